"""The AI-generated-image model: data (whole images and their variants), features (CLIP embeddings), heads,
recipe (train, evaluate), evaluate and card. See README, "How training is laid out"."""
