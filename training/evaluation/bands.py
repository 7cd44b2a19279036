"""Verdict bands from out-of-fold precision: the two lines on a model's calibrated score for one content type,
placed on scores from heads that never saw the item (the collection folds' out-of-fold scores), so that each
band is right as often as promised on collections the model never saw. A weaker model simply gets narrower
bands (or none on a side); it is never silenced everywhere by one bad fold.

  upper  the lowest line at or above which (a) "likely manipulated" is right >= `precision` of the time at
         even odds (TPR / (TPR + FPR): precision with as many reals as fakes, since the world's mix is
         unknown), (b) no collection has more than `max_real_share` of its reals above it, and (c) at least
         `min_support` fakes lie above it. None when no line meets all three: the model never says
         "likely manipulated" for this content type.
  lower  the highest line at or below which "likely authentic" is right >= `precision` of the time at even
         odds, no collection has more than `max_fake_share` of its fakes below it, and at least `min_support`
         reals lie below it. None: the model never says "likely authentic" for this type.

A band that cannot be placed is reported as such (None), never stretched to fit.
"""
from __future__ import annotations

import numpy as np

PRECISION = 0.90        # each band right at least this often at even odds
MAX_REAL_SHARE = 0.05   # no collection's reals called "likely manipulated" more often than this
MAX_FAKE_SHARE = 0.10   # no collection's fakes called "likely authentic" more often than this
MIN_SUPPORT = 5         # a band must hold at least this many items of its own class
# what a manifest entry and a card keep of precision_bands' report (the per-collection shares stay in metrics)
MEASURED = ("precision_manipulated", "precision_authentic", "reals_called_manipulated", "fakes_called_authentic",
            "uncertain")


def _per_collection_share(mask: np.ndarray, cls: np.ndarray, coll: np.ndarray) -> dict:
    out = {}
    for c in dict.fromkeys(coll[cls]):
        m = cls & (coll == c)
        out[str(c)] = float(mask[m].mean())
    return out


def _line(score, own, other, coll, precision: float, max_other_share: float, min_support: int) -> float | None:
    """The first line t, walking the own class's scores in order, whose band {score >= t} holds at least
    `min_support` of the own class, is right >= `precision` at even odds and takes no collection's other class
    more than `max_other_share` of the time. `score` is oriented so that the band is the high side."""
    for t in np.unique(score[own]):                   # candidate lines: the own class's scores, band widest first
        inside = score >= t
        if inside[own].sum() < min_support:
            return None                               # later lines only hold fewer of the own class
        hit, miss = inside[own].mean(), inside[other].mean() if other.any() else 0.0
        if hit / (hit + miss) < precision:
            continue
        if all(s <= max_other_share for s in _per_collection_share(inside, other, coll).values()):
            return float(t)
    return None


def upper_line(y, p, collection, precision: float = PRECISION, max_real_share: float = MAX_REAL_SHARE,
               min_support: int = MIN_SUPPORT) -> float | None:
    """The "likely manipulated" line: the fakes' band above it."""
    y, p, coll = np.asarray(y).astype(int), np.asarray(p, np.float64), np.asarray(collection, dtype=object)
    return _line(p, y == 1, y == 0, coll, precision, max_real_share, min_support)


def lower_line(y, p, collection, precision: float = PRECISION, max_fake_share: float = MAX_FAKE_SHARE,
               min_support: int = MIN_SUPPORT) -> float | None:
    """The "likely authentic" line: the reals' band below it (the same walk on the negated scores)."""
    y, p, coll = np.asarray(y).astype(int), np.asarray(p, np.float64), np.asarray(collection, dtype=object)
    line = _line(-p, y == 0, y == 1, coll, precision, max_fake_share, min_support)
    return None if line is None else -line


def precision_bands(y, p, collection, precision: float = PRECISION, max_real_share: float = MAX_REAL_SHARE,
                    max_fake_share: float = MAX_FAKE_SHARE, min_support: int = MIN_SUPPORT) -> dict:
    """{"lower", "upper"} (either may be None) and what they give on these scores: each band's precision at
    even odds, and per collection the share of its reals above the upper line and of its fakes below the
    lower one. The lines never cross: if they would, the lower one is dropped to just under the upper."""
    y, p, coll = np.asarray(y).astype(int), np.asarray(p, np.float64), np.asarray(collection, dtype=object)
    up = upper_line(y, p, coll, precision, max_real_share, min_support)
    lo = lower_line(y, p, coll, precision, max_fake_share, min_support)
    if up is not None and lo is not None and lo >= up:
        lo = float(np.nextafter(up, -np.inf))
    return {"lower": lo, "upper": up, **band_report(y, p, coll, {"lower": lo, "upper": up}),
            "rule": {"precision": precision, "max_real_share": max_real_share, "max_fake_share": max_fake_share,
                     "min_support": min_support}}


def band_report(y, p, collection, thresholds: dict) -> dict:
    """Measured precision of each band at even odds, overall band shares, and the per-collection shares."""
    y, p, coll = np.asarray(y).astype(int), np.asarray(p, np.float64), np.asarray(collection, dtype=object)
    reals, fakes = y == 0, y == 1
    lo, up = thresholds.get("lower"), thresholds.get("upper")
    above = p >= up if up is not None else np.zeros(len(p), bool)
    below = p <= lo if lo is not None else np.zeros(len(p), bool)

    def even_odds(hit_own: float, hit_other: float) -> float | None:
        return None if hit_own + hit_other == 0 else float(hit_own / (hit_own + hit_other))

    return {"precision_manipulated": even_odds(above[fakes].mean(), above[reals].mean()) if up is not None else None,
            "precision_authentic": even_odds(below[reals].mean(), below[fakes].mean()) if lo is not None else None,
            "reals_called_manipulated": float(above[reals].mean()), "fakes_called_authentic": float(below[fakes].mean()),
            "uncertain": float(np.mean(~above & ~below)),
            "reals_called_manipulated_by_collection": _per_collection_share(above, reals, coll),
            "fakes_called_authentic_by_collection": _per_collection_share(below, fakes, coll)}


def move_line(line: float | None, from_calibration: dict | None, to_calibration: dict | None) -> float | None:
    """The same line on another calibration of the same head: both maps are monotone in the head's raw
    probability, so the raw probability at the line (found by bisection) is carried over and the same items
    stay above it. None stays None."""
    from fakescope.server.calibration import apply

    if line is None:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if apply(np.array([mid]), from_calibration)[0] < line:
            lo = mid
        else:
            hi = mid
    return float(apply(np.array([hi]), to_calibration)[0])
