"""Fitting the AI-image head on CLIP features, and scoring held-out folds with it.

The head is a dict of numpy arrays (the npz the server loads); it is always evaluated with
server.detectors.ai_image.head_probability, the serving function. Fitting uses scikit-learn
(train extra): L2 logistic regression on standardised features, or a one-hidden-layer MLP.

Sample weights: each class carries half the total weight, and inside a class each source carries an
equal share when head["source_balanced"] (so 366 kurlyto images do not drown 11 Kandinsky ones)."""
from __future__ import annotations

import numpy as np

from fakescope.server.detectors.ai_image import head_probability
from fakescope.server.features.image import standardize_image, to_model_input


def sample_weights(labels: np.ndarray, sources: np.ndarray, source_balanced: bool) -> np.ndarray:
    w = np.ones(len(labels), np.float64)
    for c in (0, 1):
        m = labels == c
        if not m.any():
            continue
        if source_balanced:
            srcs = np.unique(sources[m])
            for s in srcs:
                ms = m & (sources == s)
                w[ms] = 1.0 / (ms.sum() * len(srcs))
        else:
            w[m] = 1.0 / m.sum()
    return w * len(labels) / w.sum()


def fit_head(x: np.ndarray, labels: np.ndarray, weights: np.ndarray, hp: dict, seed: int = 0) -> dict:
    """hp: {"kind": "linear"|"mlp", "C": float, "hidden": int, "alpha": float}. Returns the npz arrays."""
    x = np.asarray(x, np.float32)
    mu = x.mean(axis=0)
    sigma = np.maximum(x.std(axis=0), 1e-4)
    z = (x - mu) / sigma
    if hp.get("kind", "linear") == "linear":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=float(hp["C"]), max_iter=3000, tol=1e-5)
        clf.fit(z, labels, sample_weight=weights)
        return {"mu": mu, "sigma": sigma.astype(np.float32), "w": clf.coef_[0].astype(np.float32),
                "b": clf.intercept_.astype(np.float32)}
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(int(hp["hidden"]),), alpha=float(hp["alpha"]), max_iter=400,
                        early_stopping=False, random_state=seed)
    clf.fit(z, labels, sample_weight=weights)
    return {"mu": mu, "sigma": sigma.astype(np.float32), "w1": clf.coefs_[0].astype(np.float32),
            "b1": clf.intercepts_[0].astype(np.float32), "w2": clf.coefs_[1][:, 0].astype(np.float32),
            "b2": clf.intercepts_[1].astype(np.float32)}


def train_rows(feats: dict, table: dict, idx: np.ndarray, variants) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack the training variants of rows idx -> (x, labels, sources)."""
    x = np.concatenate([feats[v][idx] for v in variants])
    k = len(variants)
    return x, np.tile(table["label"][idx], k), np.tile(table["source"][idx], k)


def fit_on(feats: dict, table: dict, idx: np.ndarray, hp: dict, seed: int = 0) -> dict:
    """hp "weigh_as": {name: [sources]}: those sources share ONE source's weight (e.g. 18 extra real
    collections weighing as much as one camera source)."""
    x, y, s = train_rows(feats, table, idx, hp["train_variants"])
    alias = {src: name for name, srcs in hp.get("weigh_as", {}).items() for src in srcs}
    if alias:
        s = np.array([alias.get(v, v) for v in s.tolist()])
    return fit_head(x, y, sample_weights(y, s, bool(hp.get("source_balanced", True))), hp, seed)


def score_folds(feats: dict, table: dict, folds, hp: dict, fold_indices, score_variants=("clean",),
                seed: int = 0) -> list[dict]:
    """For every fold: fit on its training rows, score its validation rows in each score variant.
    Returns [{"fold", "val": idx, "<variant>": uncalibrated probabilities}]."""
    out = []
    for f in folds:
        tr, va = fold_indices(table, f)
        head = fit_on(feats, table, tr, hp, seed)
        out.append({"fold": f, "val": va, "n_train": len(tr),
                    **{v: head_probability(head, feats[v][va]) for v in score_variants}})
    return out


def head_params(cfg: dict, smoke: bool = False) -> dict:
    hp = dict(cfg["head"])
    if smoke:
        hp["train_variants"] = cfg["smoke"]["train_variants"]
    return hp


def predict_images(model, images: np.ndarray, batch: int = 128, degrade=None) -> np.ndarray:
    out = []
    for s in range(0, len(images), batch):
        xs = [standardize_image(degrade(i) if degrade else i) for i in images[s:s + batch]]
        out.append(np.asarray(model.predict_on_batch(to_model_input(xs))).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)
