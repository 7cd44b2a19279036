"""Small heads on pretrained-encoder features, stored as plain numpy arrays (manifest format "npz").

Every v2 detector is the same shape of model: features standardised with a stored mean and scale, then
either one linear layer (`w`, `b`) or one hidden ReLU layer (`w1`, `b1`, `w2`, `b2`), then a sigmoid.
This is the one evaluator of such heads; the detectors only say under which names their npz stores the
arrays, and training scores its folds through the same functions."""
from __future__ import annotations

import numpy as np


def standardised_logit(x, arrays: dict, *, prefix: str = "", mean: str = "mean", scale: str = "scale",
                       dtype=np.float32) -> np.ndarray:
    """(N,) float64 logits of feature rows `x` ((N, D) or (D,)) for the head stored in `arrays` under
    `prefix` + name (e.g. prefix "gate_": gate_mean, gate_scale, gate_w, gate_b)."""
    key = lambda name: f"{prefix}{name}"  # noqa: E731
    z = (np.atleast_2d(np.asarray(x, dtype)) - arrays[key(mean)]) / arrays[key(scale)]
    if key("w1") in arrays:
        h = np.maximum(z @ arrays[key("w1")] + arrays[key("b1")], 0.0)
        return (h @ arrays[key("w2")] + arrays[key("b2")]).reshape(-1).astype(np.float64)
    return (z @ arrays[key("w")] + arrays[key("b")]).reshape(-1).astype(np.float64)


def sigmoid(z, clip: float = 60.0) -> np.ndarray:
    """Probability from logits; clipped so exp never overflows."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -clip, clip)))
