"""The face-manipulation model: data (YuNet face crops, the DeepFaceLive clips), features (CLIP features,
the clips' serving extraction, file statistics), heads, recipe (train; evaluate through training.evaluation
with the MODEL declared there) and studies (its own checks). See README, "How training is laid out"."""
