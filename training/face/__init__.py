"""The face-manipulation model: data (YuNet face crops), features (CLIP features; video.py: the DeepFaceLive
clips), heads, recipe (train, evaluate), evaluate and card. See README, "How training is laid out"."""
