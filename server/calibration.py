"""Calibration maps a model's raw probability to a calibrated one. Fitted in training, stored in the
manifest, applied in serving: both import this module, so the mapping cannot drift."""
from __future__ import annotations

import numpy as np

_EPS = 1e-6


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def apply(p, params: dict | None):
    """Calibrate probabilities `p` with params {"method": "platt", "a": .., "b": ..} (sigmoid(a*logit+b)),
    {"method": "temperature", "t": ..} (sigmoid(logit/t)), {"method": "beta", "a", "b", "c"}
    (sigmoid(a*ln p - b*ln(1-p) + c): Platt with separate slopes for the two tails),
    {"method": "isotonic", "x": [...], "y": [...]} (monotone piecewise-linear map through the knots) or
    None / {"method": "none"}."""
    p = np.asarray(p, dtype=np.float64)
    if not params or params.get("method", "none") == "none":
        return np.clip(p, 0.0, 1.0)
    if params["method"] == "isotonic":
        x, y = np.asarray(params["x"], np.float64), np.asarray(params["y"], np.float64)
        if x.ndim != 1 or x.shape != y.shape or len(x) < 2 or np.any(np.diff(x) < 0) or np.any(np.diff(y) < 0):
            raise ValueError("isotonic calibration needs two increasing knot lists of equal length")
        return np.interp(np.clip(p, 0.0, 1.0), x, y)
    if params["method"] == "beta":
        q = np.clip(p, _EPS, 1 - _EPS)
        z = float(params["a"]) * np.log(q) - float(params["b"]) * np.log1p(-q) + float(params["c"])
        return 1.0 / (1.0 + np.exp(-z))
    z = logit(p)
    if params["method"] == "temperature":
        z = z / float(params["t"])
    elif params["method"] == "platt":
        z = float(params["a"]) * z + float(params["b"])
    else:
        raise ValueError(f"unknown calibration method {params['method']!r}")
    return 1.0 / (1.0 + np.exp(-z))


def fit_platt(p, y, iters: int = 500, lr: float = 0.1) -> dict:
    """Fit Platt scaling on validation scores `p` and labels `y` (1 = fake) by gradient descent on log-loss."""
    z = logit(p)
    y = np.asarray(y, dtype=np.float64)
    a, b = 1.0, 0.0
    for _ in range(iters):
        q = 1.0 / (1.0 + np.exp(-(a * z + b)))
        g = q - y
        a -= lr * float(np.mean(g * z))
        b -= lr * float(np.mean(g))
    return {"method": "platt", "a": round(a, 6), "b": round(b, 6)}
