"""Verdict bands from out-of-fold precision (training/evaluation/bands.py) on made-up scores: each band keeps
its promise, a collection the model fails narrows the band instead of being averaged away, and a model
without signal gets no band at all."""
from __future__ import annotations

import numpy as np

from fakescope.training.evaluation.bands import band_report, precision_bands


def scores(seed=0, n=300, gap=0.3):
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n), np.ones(n)].astype(int)
    p = np.clip(np.r_[rng.normal(0.5 - gap / 2, 0.15, n), rng.normal(0.5 + gap / 2, 0.15, n)], 0, 1)
    return y, p, np.array(["a", "b", "c"] * (2 * n // 3))


def test_each_band_keeps_its_promise():
    y, p, c = scores()
    b = precision_bands(y, p, c)
    assert b["lower"] is not None and b["upper"] is not None and b["lower"] < b["upper"]
    assert b["precision_manipulated"] >= 0.9 and b["precision_authentic"] >= 0.9
    assert max(b["reals_called_manipulated_by_collection"].values()) <= 0.05
    assert max(b["fakes_called_authentic_by_collection"].values()) <= 0.10


def test_a_failing_collection_narrows_the_band():
    y, p, c = scores()
    pooled = precision_bands(y, p, c)["upper"]
    # collection "d": reals that look fake to the model (its worst fold)
    rng = np.random.default_rng(1)
    y2, p2, c2 = np.r_[y, np.zeros(40, int)], np.r_[p, rng.uniform(0.55, 0.95, 40)], np.r_[c, ["d"] * 40]
    b = precision_bands(y2, p2, c2)
    assert b["upper"] is None or b["upper"] > pooled
    if b["upper"] is not None:
        assert b["reals_called_manipulated_by_collection"]["d"] <= 0.05


def test_no_signal_no_band():
    rng = np.random.default_rng(2)
    y = np.r_[np.zeros(300), np.ones(300)].astype(int)
    b = precision_bands(y, rng.uniform(size=600), np.array(["a"] * 600))
    assert b["lower"] is None and b["upper"] is None and b["uncertain"] == 1.0


def test_a_band_needs_support():
    y = np.array([0] * 50 + [1] * 3)
    p = np.r_[np.linspace(0, 0.5, 50), [0.9, 0.95, 0.99]]
    assert precision_bands(y, p, ["a"] * 53, min_support=5)["upper"] is None
    assert precision_bands(y, p, ["a"] * 53, min_support=3)["upper"] == 0.9


def test_report_of_given_lines():
    y, p, c = scores()
    r = band_report(y, p, c, {"lower": None, "upper": 0.99})
    assert r["precision_authentic"] is None and r["fakes_called_authentic"] == 0.0
