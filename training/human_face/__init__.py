"""The human-face check: is a YuNet detection a human face (photo, painting or render of a person), or an
animal, a toy, an object? A small logistic head on the face model's own crop features (no extra encoder
call), trained and measured leave-one-source-out by `python -m fakescope.training.human_face.recipe`."""
