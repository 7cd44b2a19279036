"""Binary detection metrics in pure numpy (label 1 = fake, score = probability of fake).

No scikit-learn here so the tests can check every formula against hand-computed cases."""
from __future__ import annotations

import numpy as np


def _check(y, s):
    y = np.asarray(y, dtype=np.int64).ravel()
    s = np.asarray(s, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels {y.shape} and scores {s.shape} differ in length")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (fake)")
    return y, s


def roc_auc(y, s) -> float:
    """Area under the ROC curve = P(score of a random fake > score of a random real), ties count 1/2.

    Computed from mid-ranks (Mann-Whitney U). NaN when one class is absent."""
    y, s = _check(y, s)
    n1, n0 = int(y.sum()), int((1 - y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # mid-rank for ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[y == 1].sum() - n1 * (n1 + 1) / 2.0
    return float(u / (n1 * n0))


def auc_replicates(y, s, reps: int = 1000, seed: int = 0) -> np.ndarray:
    """`reps` bootstrap replicates of roc_auc, reals and fakes resampled separately (each resample keeps
    both class sizes); empty when one class is absent."""
    y, s = _check(y, s)
    real, fake = s[y == 0], s[y == 1]
    if not len(real) or not len(fake):
        return np.zeros(0)
    rng = np.random.default_rng(seed)
    lab = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    return np.array([roc_auc(lab, np.r_[rng.choice(real, len(real)), rng.choice(fake, len(fake))])
                     for _ in range(reps)])


def auc_interval(y, s, reps: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of roc_auc (auc_replicates): how far a fold's AUC could move with other
    clips of the same kind. NaNs when one class is absent."""
    return interval(auc_replicates(y, s, reps, seed), level)


def interval(replicates, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaNs when there are none)."""
    r = np.asarray(replicates, np.float64)
    if not r.size:
        return float("nan"), float("nan")
    lo, hi = np.quantile(r, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def roc_points(y, s):
    """(fpr, tpr, thresholds) for the rule "fake if score >= threshold", thresholds descending.

    The first point is (0, 0) at threshold +inf; one point per distinct score."""
    y, s = _check(y, s)
    n1, n0 = max(int(y.sum()), 1), max(int((1 - y).sum()), 1)
    thr = np.unique(s)[::-1]
    tp = np.array([(s[y == 1] >= t).sum() for t in thr], dtype=np.float64)
    fp = np.array([(s[y == 0] >= t).sum() for t in thr], dtype=np.float64)
    fpr = np.concatenate([[0.0], fp / n0])
    tpr = np.concatenate([[0.0], tp / n1])
    return fpr, tpr, np.concatenate([[np.inf], thr])


def eer(y, s) -> tuple[float, float]:
    """Equal error rate and its threshold: the operating point where the false-accept rate of reals
    (FPR) equals the miss rate of fakes (FNR = 1 - TPR). Linear interpolation between the two ROC points
    that bracket FPR = FNR; NaN when one class is absent."""
    y, s = _check(y, s)
    if y.sum() == 0 or (1 - y).sum() == 0:
        return float("nan"), float("nan")
    fpr, tpr, thr = roc_points(y, s)
    fnr = 1.0 - tpr
    d = fnr - fpr  # decreases from 1 (at +inf) to <= 0 (at the lowest score)
    k = int(np.argmax(d <= 0))
    if d[k] == 0:
        t = thr[k] if np.isfinite(thr[k]) else float(s.max())
        return float(fpr[k]), float(t)
    # d[k-1] > 0 > d[k]: interpolate the crossing of the two error curves
    w = d[k - 1] / (d[k - 1] - d[k])
    rate = fpr[k - 1] + w * (fpr[k] - fpr[k - 1])
    t_hi = thr[k - 1] if np.isfinite(thr[k - 1]) else thr[k]
    return float(rate), float(thr[k] + (1 - w) * (t_hi - thr[k]))


def ece(y, p, bins: int = 15) -> float:
    """Expected calibration error: sum over equal-width probability bins of
    (bin share) * |mean label - mean probability|. p is the probability of fake."""
    y, p = _check(y, p)
    if len(y) == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.mean() * abs(y[m].mean() - p[m].mean())
    return float(total)


def calibration_curve(y, p, bins: int = 10):
    """(mean predicted, observed fake rate, count) per non-empty equal-width bin, for reliability plots."""
    y, p = _check(y, p)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    rows = [(float(p[idx == b].mean()), float(y[idx == b].mean()), int((idx == b).sum()))
            for b in range(bins) if (idx == b).any()]
    return rows


def confusion(y, p, threshold: float) -> dict:
    """Counts for the rule "fake if p >= threshold"."""
    y, p = _check(y, p)
    pred = (p >= threshold).astype(np.int64)
    return {"tp": int(((pred == 1) & (y == 1)).sum()), "fp": int(((pred == 1) & (y == 0)).sum()),
            "tn": int(((pred == 0) & (y == 0)).sum()), "fn": int(((pred == 0) & (y == 1)).sum())}


def binary_report(y, p, threshold: float = 0.5) -> dict:
    """Accuracy, precision, recall (of fakes) and F1 at `threshold` (0 where undefined)."""
    c = confusion(y, p, threshold)
    n = sum(c.values())
    prec = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    rec = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"accuracy": (c["tp"] + c["tn"]) / n if n else float("nan"), "precision": prec, "recall": rec,
            "f1": f1}


def summary(y, p, threshold: float = 0.5) -> dict:
    """The headline numbers one evaluation row carries: n, AUC, EER, ECE and the binary report."""
    y, p = _check(y, p)
    e, t = eer(y, p)
    out = {"n": int(len(y)), "n_fake": int(y.sum()), "n_real": int((1 - y).sum()), "auc": roc_auc(y, p),
           "eer": e, "eer_threshold": t, "ece": ece(y, p)}
    out.update(binary_report(y, p, threshold))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}
