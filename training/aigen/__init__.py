"""The AI-generated-image model: data (whole images, their variants, the real-only collections), features (CLIP
embeddings, file statistics), heads, recipe (train, evaluate: MODEL for training.evaluation) and studies (the
world-like evaluation, its own folds, alternatives, latency). See README, "How training is laid out"."""
