"""The "quality is not the label" invariant of the speech training set.

Simple recording-quality features of a clip (bandwidth, high-band energy, an SNR estimate, spectral
flatness, clipping, level, length) must not tell real from fake in the training set: a classifier on them
(logistic regression, cross-validated over speaker/sentence groups) should score AUC ~ 0.5. If the raw
set fails, the heads are trained with quality-balancing weights (inverse propensity of the quality
classifier), and the invariant is measured again under those weights."""
from __future__ import annotations

import numpy as np

from fakescope.training.cache import cached, key_of
from fakescope.training.evaluation.metrics import roc_auc

RATE = 16000
NAMES = ("rolloff95_hz", "share_above_4k", "share_above_7k", "snr_db", "flatness", "clipped", "level_db", "seconds")


def quality_features(wave: np.ndarray) -> np.ndarray:
    x = np.asarray(wave, np.float64)
    n = 512
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    fr = np.lib.stride_tricks.sliding_window_view(x, n)[::256] * np.hanning(n)
    p = np.abs(np.fft.rfft(fr, axis=1)) ** 2 + 1e-12
    hz = np.fft.rfftfreq(n, 1 / RATE)
    tot = p.sum(axis=1)
    spec = p.sum(axis=0)
    cum = np.cumsum(spec) / spec.sum()
    rolloff = hz[min(np.searchsorted(cum, 0.95), len(hz) - 1)]
    db = 10 * np.log10(tot)
    snr = np.percentile(db, 95) - np.percentile(db, 10)
    flat = np.mean(np.exp(np.mean(np.log(p), axis=1)) / np.mean(p, axis=1))
    return np.array([rolloff, spec[hz > 4000].sum() / spec.sum(), spec[hz > 7000].sum() / spec.sum(), snr, flat,
                     np.mean(np.abs(x) > 0.99), 10 * np.log10(np.mean(x ** 2) + 1e-12), len(wave) / RATE], np.float64)


def group_folds(groups, folds: int, seed: int) -> np.ndarray:
    """Fold index per row: whole groups are dealt round-robin to folds in a seeded random order."""
    ug = np.random.default_rng(seed).permutation(np.array(sorted(set(groups)), dtype=object))
    fold = dict(zip(ug, np.arange(len(ug)) % folds))
    return np.array([fold[g] for g in groups])


def _design(q: np.ndarray) -> np.ndarray:
    """Quality features plus their logs (shares and flatness are heavy-tailed)."""
    q = np.asarray(q, np.float64)
    return np.concatenate([q, np.log10(np.abs(q[:, :3]) + 1e-6), np.log10(q[:, 4:6] + 1e-6)], axis=1)


def quality_auc(q: np.ndarray, y: np.ndarray, groups, weights: np.ndarray | None = None, folds: int = 5,
                seed: int = 0) -> float:
    """AUC of a group-cross-validated logistic regression predicting the label from quality features
    (weighted AUC when `weights` is given: the classifier is fitted and scored under them)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = _design(q)
    y = np.asarray(y).astype(int)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, np.float64)
    cv = group_folds(groups, folds, seed)
    s = np.zeros(len(y))
    for f in range(folds):
        tr, va = cv != f, cv == f
        sc = StandardScaler().fit(x[tr])
        m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(sc.transform(x[tr]), y[tr], sample_weight=w[tr])
        s[va] = m.predict_proba(sc.transform(x[va]))[:, 1]
    return weighted_auc(y, s, w)


def weighted_auc(y, s, w) -> float:
    """AUC where each (fake, real) pair counts with the product of their weights."""
    y, s, w = np.asarray(y), np.asarray(s, np.float64), np.asarray(w, np.float64)
    if np.allclose(w, w[0]):
        return roc_auc(y, s)
    order = np.argsort(s, kind="mergesort")
    s, y, w = s[order], y[order], w[order]
    auc, cum_real = 0.0, 0.0
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        wr = w[i:j][y[i:j] == 0].sum()
        wf = w[i:j][y[i:j] == 1].sum()
        auc += wf * (cum_real + 0.5 * wr)
        cum_real += wr
        i = j
    return float(auc / (w[y == 1].sum() * w[y == 0].sum()))


def balancing_weights(q: np.ndarray, y: np.ndarray, groups=None, clip: float = 10.0, folds: int = 5,
                      seed: int = 0) -> np.ndarray:
    """Inverse-propensity weights from a quality classifier: fakes whose quality looks "real" and reals
    whose quality looks "fake" count more, so that under the weights quality no longer predicts the
    label. Propensities are cross-fitted over groups (an in-sample fit over-corrects), clipped to
    [0.05, 0.95]; weights normalised to mean 1 per class and clipped to [1/clip, clip]."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = _design(q)
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


def quality_table(data, nv: int, seed: int) -> list[np.ndarray]:
    """(N, 8) quality features (quality_features) per variant, cached."""
    return [cached("audio_quality", key_of(list(data.table["sha256"]), k, seed, "aug-v2", "q-v1"),
                   lambda k=k: np.stack([quality_features(x) for x in data.variant(k, seed)])) for k in range(nv + 1)]


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
