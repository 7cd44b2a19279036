"""Calibration fitting and the two verdict thresholds, from validation scores (label 1 = fake).

Threshold rule (documented in every model card):
  upper = the smallest score at or above which at most `max_false_fake` (default 5 %) of validation
          REAL clips fall -> "likely fake" is wrong for at most ~5 % of reals;
  lower = the largest score at or below which at most `max_false_real` (default 5 %) of validation
          FAKE clips fall -> "likely real" lets through at most ~5 % of fakes;
  if the classes are separated so well that lower > upper, both are set to their midpoint (no
  uncertain band is needed to meet both rates)."""
from __future__ import annotations

import numpy as np

from fakescope.server import calibration


def fit(p, y, method: str = "platt") -> dict:
    """Fit calibration params on validation probabilities; the server applies them with
    server.calibration.apply, so training and serving share one formula."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if method == "none":
        return {"method": "none"}
    if method == "temperature":
        return fit_temperature(p, y)
    if method == "platt":
        return calibration.fit_platt(p, y, iters=2000, lr=0.5)
    if method == "beta":
        return fit_beta(p, y)
    if method == "isotonic":
        return fit_isotonic(p, y)
    raise ValueError(f"unknown calibration method {method!r}")


def fit_beta(p, y) -> dict:
    """Beta calibration (Kull et al. 2017): logistic regression on (ln p, -ln(1-p)); slopes kept >= 0 so
    the map stays monotone (a negative slope is refitted as 0, i.e. that tail is left to the other)."""
    from sklearn.linear_model import LogisticRegression

    q = np.clip(np.asarray(p, np.float64), 1e-6, 1 - 1e-6)
    feats = np.c_[np.log(q), -np.log1p(-q)]
    keep = [0, 1]
    for _ in range(2):
        m = LogisticRegression(C=1e6, max_iter=5000).fit(feats[:, keep], y)
        coef = dict(zip(keep, m.coef_.ravel()))
        if min(coef.values()) >= 0:
            break
        keep = [k for k in keep if coef[k] > 0] or [0]
    return {"method": "beta", "a": round(float(coef.get(0, 0.0)), 6), "b": round(float(coef.get(1, 0.0)), 6),
            "c": round(float(m.intercept_[0]), 6)}


def fit_isotonic(p, y, max_knots: int = 64) -> dict:
    """Isotonic regression (pool-adjacent-violators) as a piecewise-linear map through at most
    `max_knots` knots (kept small: the knots are stored in the manifest)."""
    from sklearn.isotonic import IsotonicRegression

    p = np.clip(np.asarray(p, np.float64), 0.0, 1.0)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)
    x, v = iso.X_thresholds_, iso.y_thresholds_
    if len(x) > max_knots:
        pick = np.unique(np.round(np.linspace(0, len(x) - 1, max_knots)).astype(int))
        x, v = x[pick], v[pick]
    # flat ends out to 0 and 1 (what out_of_bounds="clip" does); unique drops a pad that repeats a knot
    x, idx = np.unique(np.r_[0.0, x, 1.0], return_index=True)
    v = np.r_[v[0], v, v[-1]]
    return {"method": "isotonic", "x": [round(float(a), 6) for a in x],
            "y": [round(float(b), 6) for b in np.maximum.accumulate(v[idx])]}


def fit_temperature(p, y) -> dict:
    """Temperature scaling: the t in sigmoid(logit(p)/t) minimising validation log-loss (grid search)."""
    z = calibration.logit(p)
    best_t, best = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.05), np.log(20.0), 400)):
        q = np.clip(1 / (1 + np.exp(-z / t)), 1e-7, 1 - 1e-7)
        loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
        if loss < best:
            best, best_t = loss, float(t)
    return {"method": "temperature", "t": round(best_t, 6)}


def pick_thresholds(y, p, max_false_fake: float = 0.05, max_false_real: float = 0.05) -> dict:
    """{"lower", "upper"} on calibrated scores by the rule in the module docstring."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    reals, fakes = np.sort(p[y == 0]), np.sort(p[y == 1])
    if len(reals) == 0 or len(fakes) == 0:
        raise ValueError("thresholds need both real and fake validation scores")
    # upper: allow at most floor(rate * n) reals at or above it -> just above the k-th largest real
    k = int(np.floor(max_false_fake * len(reals)))
    upper = float(np.nextafter(reals[len(reals) - 1 - k], np.inf)) if k < len(reals) else 0.0
    # lower: allow at most floor(rate * n) fakes at or below it -> just below the k-th smallest fake
    k = int(np.floor(max_false_real * len(fakes)))
    lower = float(np.nextafter(fakes[k], -np.inf)) if k < len(fakes) else 1.0
    upper, lower = min(max(upper, 0.0), 1.0), min(max(lower, 0.0), 1.0)
    if lower > upper:
        lower = upper = (lower + upper) / 2.0
    # not rounded: rounding could move a threshold across the validation score it was placed beside
    return {"lower": lower, "upper": upper}


def band_rates(y, p, thresholds: dict) -> dict:
    """Measured share of reals called likely_fake, fakes called likely_real, and clips left uncertain."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    lo, up = thresholds["lower"], thresholds["upper"]   # a None line: no such band
    high = p >= up if up is not None else np.zeros(len(p), bool)
    low = p <= lo if lo is not None else np.zeros(len(p), bool)
    reals, fakes = y == 0, y == 1
    return {"real_called_fake": float(np.mean(high[reals])) if reals.any() else float("nan"),
            "fake_called_real": float(np.mean(low[fakes])) if fakes.any() else float("nan"),
            "uncertain": float(np.mean(~high & ~low)) if len(p) else float("nan")}
