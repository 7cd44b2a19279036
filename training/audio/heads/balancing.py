"""Row weights of the head recipe: classes balanced, and the quality-balancing step. Recording quality
(training.audio.features.quality_features) told real from fake in the raw training set, so the heads are
trained with inverse-propensity weights of a quality classifier: under them quality no longer predicts the
label (measured by the quality invariant, training.audio.studies.degradation)."""
from __future__ import annotations

import numpy as np

from fakescope.training.audio.features import quality_design, quality_table


def class_balanced(y: np.ndarray, weights=None) -> np.ndarray:
    """Per-row weights (ones, or the given quality-balancing weights) rescaled so each class carries half
    of the total weight."""
    y = np.asarray(y)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, np.float64)
    for c in (0, 1):
        w = np.where(y == c, w / w[y == c].sum() * len(y) / 2, w)
    return w


def group_folds(groups, folds: int, seed: int) -> np.ndarray:
    """Fold index per row: whole groups are dealt round-robin to folds in a seeded random order."""
    ug = np.random.default_rng(seed).permutation(np.array(sorted(set(groups)), dtype=object))
    fold = dict(zip(ug, np.arange(len(ug)) % folds))
    return np.array([fold[g] for g in groups])


def balancing_weights(q: np.ndarray, y: np.ndarray, groups=None, clip: float = 10.0, folds: int = 5,
                      seed: int = 0) -> np.ndarray:
    """Inverse-propensity weights from a quality classifier: fakes whose quality looks "real" and reals
    whose quality looks "fake" count more, so that under the weights quality no longer predicts the
    label. Propensities are cross-fitted over groups (an in-sample fit over-corrects), clipped to
    [0.05, 0.95]; weights normalised to mean 1 per class and clipped to [1/clip, clip]."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = quality_design(q)
    y = np.asarray(y).astype(int)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups, dtype=object)
    cv = group_folds(groups, folds, seed)
    e = np.zeros(len(y))
    for f in range(folds):
        tr, va = cv != f, cv == f
        sc = StandardScaler().fit(x[tr])
        m = LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced").fit(sc.transform(x[tr]), y[tr])
        e[va] = m.predict_proba(sc.transform(x[va]))[:, 1]
    e = np.clip(e, 0.05, 0.95)
    w = np.where(y == 1, 1.0 / e, 1.0 / (1 - e))
    for c in (0, 1):
        w[y == c] /= w[y == c].mean()
    return np.clip(w, 1.0 / clip, clip)


def training_weights(cfg: dict, data, nv: int, rows: np.ndarray | None = None) -> np.ndarray | None:
    """Per-row weights of the quality-balancing step (None when the config does not ask for it), fitted on the
    clips in `rows` (all by default; the others weigh 1 and are not trained on)."""
    if not cfg.get("quality_balance") or not cfg["heads"][cfg["shipped"]].get("quality_balance", True):
        return None
    q = np.concatenate(quality_table(data, nv, cfg["augment"]["seed"]))
    m = np.tile(np.ones(len(data), bool) if rows is None else np.asarray(rows, bool), nv + 1)
    w = np.ones(len(m))
    w[m] = balancing_weights(q[m], np.tile(data.y, nv + 1)[m])
    return w
