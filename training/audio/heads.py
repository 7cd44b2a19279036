"""Fitting the small heads on speech-encoder embeddings and exporting them as plain arrays that
server.features.speech.head_logit evaluates (training scores every fold through that function too).

- "logreg": standardise, L2 logistic regression, classes balanced.
- "mlp": standardise, one hidden ReLU layer, L2 penalty, classes balanced by weighted resampling, a fixed
  number of epochs (nothing is tuned on a held-out fold)."""
from __future__ import annotations

import numpy as np

from fakescope.server.features.speech import head_probability


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0).astype(np.float32)
    scale = (x.std(axis=0) + 1e-4).astype(np.float32)
    return mean, scale


def class_balanced(y: np.ndarray, weights=None) -> np.ndarray:
    """Per-row weights (ones, or the given quality-balancing weights) rescaled so each class carries half
    of the total weight."""
    y = np.asarray(y)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, np.float64)
    for c in (0, 1):
        w = np.where(y == c, w / w[y == c].sum() * len(y) / 2, w)
    return w


def fit_head(x: np.ndarray, y: np.ndarray, hcfg: dict, name: str, seed: int = 0, weights=None) -> dict:
    """-> {name_mean, name_scale, weights...} (float32 arrays). `weights`: optional per-row weights
    (quality balancing); classes are balanced on top of them."""
    x = np.asarray(x, np.float32)
    y = np.asarray(y).astype(int)
    if len(set(y)) != 2:
        raise ValueError("a head needs both classes in its training rows")
    w = class_balanced(y, weights)
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    out = {f"{name}_mean": mean, f"{name}_scale": scale}
    if hcfg["kind"] == "logreg":
        from sklearn.linear_model import LogisticRegression

        m = LogisticRegression(C=hcfg.get("C", 0.05), max_iter=3000)
        m.fit(z, y, sample_weight=w)
        out[f"{name}_w"] = m.coef_.ravel().astype(np.float32)
        out[f"{name}_b"] = np.array([m.intercept_[0]], np.float32)
    elif hcfg["kind"] == "mlp":
        from sklearn.neural_network import MLPClassifier

        rng = np.random.default_rng(seed)
        idx = rng.choice(len(y), size=len(y), replace=True, p=w / w.sum())  # weighted, class-balanced resample
        m = MLPClassifier(hidden_layer_sizes=(hcfg.get("hidden", 64),), alpha=hcfg.get("alpha", 1.0),
                          learning_rate_init=1e-3, max_iter=hcfg.get("epochs", 60), random_state=seed,
                          early_stopping=False, batch_size=128)
        m.fit(z[idx], y[idx])
        out[f"{name}_w1"] = m.coefs_[0].astype(np.float32)
        out[f"{name}_b1"] = m.intercepts_[0].astype(np.float32)
        out[f"{name}_w2"] = m.coefs_[1].astype(np.float32)
        out[f"{name}_b2"] = m.intercepts_[1].astype(np.float32)
    else:
        raise ValueError(f"unknown head kind {hcfg['kind']!r}")
    return out


def score(head: dict, name: str, x: np.ndarray) -> np.ndarray:
    """Probability of class 1 through the serving function."""
    return head_probability(head, name, x)


def shipped_config(cfg: dict) -> dict:
    """The config of the head that ships (cfg["shipped"] names it among cfg["heads"])."""
    return cfg["heads"][cfg["shipped"]]
