"""Degradations and augmentations applied to both classes alike: images (image.py), audio (audio.py) and
generated non-speech (nonspeech.py)."""
