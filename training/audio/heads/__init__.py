"""Fitting the small heads on speech-encoder embeddings and exporting them as plain arrays that
server.features.speech.head_logit evaluates (training scores every fold through that function too).

- "logreg": standardise, L2 logistic regression, classes balanced.
- "mlp": standardise, one hidden ReLU layer, L2 penalty, classes balanced by weighted resampling, a fixed
  number of epochs (nothing is tuned on a held-out fold).
- "attention", "cnn": the Keras comparison heads (heads.comparison; measured, never shipped).

The head recipe also holds its training rows and weights: the quality-balancing weights (heads.balancing)
and the candidate recipes on the shared folds (heads.candidates)."""
from __future__ import annotations

import numpy as np

from fakescope.server.features.speech import head_probability
from fakescope.training.audio.heads.balancing import class_balanced


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0).astype(np.float32)
    scale = (x.std(axis=0) + 1e-4).astype(np.float32)
    return mean, scale


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


def fit_score(feats: list[np.ndarray], y: np.ndarray, tr: np.ndarray, va: np.ndarray, hcfg: dict, seed: int,
              weights: np.ndarray | None = None) -> np.ndarray:
    """One fold: a head of `hcfg` fitted on the training rows `tr` in every training variant, the held-out
    rows `va` scored in every variant -> (variants, len(va))."""
    train_feats = feats[: hcfg.get("train_variants", len(feats))]  # a CNN row may train on the clean rows only
    x = np.concatenate([f[tr] for f in train_feats])
    w = None if weights is None else np.concatenate([weights[k * len(y) + tr] for k in range(len(train_feats))])
    if hcfg["kind"] in ("attention", "cnn"):  # Keras comparison rows: frames head, reference-recipe CNNs
        from fakescope.training.audio.heads.comparison import fit_attention, fit_cnn, score_attention, score_cnn

        fit, scorer = {"attention": (fit_attention, score_attention), "cnn": (fit_cnn, score_cnn)}[hcfg["kind"]]
        model = fit(x, np.tile(y[tr], len(train_feats)), hcfg, seed, weights=w)
        return np.stack([scorer(model, f[va]) for f in feats])
    head = fit_head(x, np.tile(y[tr], len(train_feats)), hcfg, "h", seed, weights=w)
    return np.stack([score(head, "h", f[va]) for f in feats])


def fit_detector(cfg: dict, y: np.ndarray, feats: list[np.ndarray], weights=None, keep=None) -> dict:
    """The shipped head (the shipped candidate's head config) on every variant of the clips in `keep` (all by
    default)."""
    rows = np.tile(np.ones(len(y), bool) if keep is None else keep, len(feats))
    x = np.concatenate(feats)[rows]
    yy = np.tile(y, len(feats))[rows]
    hcfg = cfg["candidates"][cfg["shipped_candidate"]]["head"] if "shipped_candidate" in cfg else shipped_config(cfg)["head"]
    return fit_head(x, yy, hcfg, "detector", cfg["seed"], weights=None if weights is None else weights[rows])


def fit_gate(cfg: dict, speech: list[np.ndarray], non_speech: np.ndarray) -> dict:
    """The speech gate: every variant of the speech rows (class 1) against generated non-speech (class 0)."""
    x = np.concatenate([np.concatenate(speech), non_speech])
    yy = np.r_[np.ones(sum(len(f) for f in speech)), np.zeros(len(non_speech))]
    return fit_head(x, yy, cfg["gate"]["head"], "gate", cfg["seed"])
