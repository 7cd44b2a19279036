"""Thresholds follow the documented rule; calibration round-trips through server.calibration."""
import numpy as np
import pytest

from fakescope.server.calibration import apply
from fakescope.server.verdict import band
from fakescope.training.evaluation import calibrate, metrics


def test_thresholds_rule_on_hand_case():
    reals = np.linspace(0.0, 0.5, 20)   # largest real 0.5; 5 % of 20 = 1 real may exceed upper
    fakes = np.linspace(0.4, 1.0, 20)   # smallest fake 0.4; 1 fake may fall below lower
    y = np.r_[np.zeros(20), np.ones(20)]
    p = np.r_[reals, fakes]
    th = calibrate.pick_thresholds(y, p)
    assert np.sum(reals >= th["upper"]) <= 1 and np.sum(reals >= th["upper"] - 1e-9) >= 1
    assert np.sum(fakes <= th["lower"]) <= 1
    assert th["lower"] <= th["upper"]
    rates = calibrate.band_rates(y, p, th)
    assert rates["real_called_fake"] <= 0.05 and rates["fake_called_real"] <= 0.05


def test_inverted_model_leaves_everything_uncertain():
    y = np.r_[np.zeros(10), np.ones(10)]
    p = np.r_[np.full(10, 0.9), np.full(10, 0.1)]  # an inverted model must not get confident bands
    th = calibrate.pick_thresholds(y, p)
    assert calibrate.band_rates(y, p, th)["uncertain"] == 1.0


def test_thresholds_meet_in_the_gap_of_separated_classes():
    y = np.r_[np.zeros(100), np.ones(100)]
    p = np.r_[np.linspace(0, 0.3, 100), np.linspace(0.7, 1, 100)]  # no overlap: no uncertain band needed
    th = calibrate.pick_thresholds(y, p)
    assert th["lower"] == th["upper"] and 0.3 < th["upper"] < 0.7


def test_thresholds_drive_verdict_bands():
    th = {"lower": 0.2, "upper": 0.8}
    assert band(0.85, **th) == "likely_fake"
    assert band(0.5, **th) == "uncertain"
    assert band(0.1, **th) == "likely_real"


def test_platt_improves_ece_of_overconfident_scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    true_p = np.where(y == 1, 0.7, 0.3)
    p = np.where(y == 1, 0.97, 0.03)  # overconfident but perfectly ranked... add label noise:
    flip = rng.random(2000) < 0.3
    y = np.where(flip, 1 - y, y)
    params = calibrate.fit(p, y, "platt")
    q = apply(p, params)
    assert metrics.ece(y, q) < metrics.ece(y, p) - 0.1
    assert np.allclose(q[p > 0.5].mean(), true_p.max(), atol=0.05)


def test_temperature_fit():
    params = calibrate.fit_temperature(np.array([0.99, 0.01, 0.99, 0.01]), np.array([1, 0, 0, 1]))
    assert params["method"] == "temperature" and params["t"] > 5
    with pytest.raises(ValueError):
        calibrate.fit([0.5], [1], "histogram-binning")


def _skewed_scores(n=3000, seed=1):
    """Scores whose miscalibration differs between the two tails (what one Platt slope cannot fix)."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    true = np.where(p < 0.5, p ** 2 * 2, 0.5 + (p - 0.5) * 0.6)  # reals' tail too high, fakes' tail too confident
    return p, (rng.random(n) < true).astype(int)


@pytest.mark.parametrize("method", ["beta", "isotonic"])
def test_two_tailed_calibration_beats_raw_scores_out_of_sample(method):
    p, y = _skewed_scores()
    params = calibrate.fit(p[:1500], y[:1500], method)
    q = apply(p[1500:], params)
    assert metrics.ece(y[1500:], q) < metrics.ece(y[1500:], p[1500:]) - 0.03
    assert np.all(np.diff(apply(np.linspace(0, 1, 101), params)) >= -1e-12)  # monotone: ranking kept


def test_isotonic_knots_are_bounded_and_validated():
    p, y = _skewed_scores(20000, seed=2)
    params = calibrate.fit(p, y, "isotonic")
    assert 2 <= len(params["x"]) <= 66 and params["x"][0] == 0.0 and params["x"][-1] == 1.0
    with pytest.raises(ValueError):
        apply(np.array([0.5]), {"method": "isotonic", "x": [0.0, 1.0], "y": [0.8, 0.2]})
