"""Metrics against cases computed by hand."""
import math

import numpy as np
import pytest

from fakescope.training.evaluation import metrics


def test_auc_hand_computed():
    # fakes 0.8, 0.4; reals 0.6, 0.2 -> pairs (f>r): (0.8>0.6),(0.8>0.2),(0.4>0.2) = 3 of 4
    y = [1, 1, 0, 0]
    s = [0.8, 0.4, 0.6, 0.2]
    assert metrics.roc_auc(y, s) == pytest.approx(0.75)


def test_auc_ties_count_half():
    assert metrics.roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.roc_auc([1, 1, 0], [0.9, 0.5, 0.5]) == pytest.approx(0.75)


def test_auc_perfect_and_inverted():
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.3]))


def test_eer_separable_is_zero():
    e, t = metrics.eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert e == 0.0
    assert 0.2 < t <= 0.8


def test_eer_hand_computed():
    # reals 0.1 0.2 0.3 0.7, fakes 0.4 0.6 0.8 0.9. At threshold 0.4: FPR 1/4 (0.7), FNR 0/4 (all >= .4);
    # at 0.6: FPR 1/4, FNR 1/4 -> EER exactly 25 %.
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    s = [0.1, 0.2, 0.3, 0.7, 0.4, 0.6, 0.8, 0.9]
    e, t = metrics.eer(y, s)
    assert e == pytest.approx(0.25)
    fpr = np.mean(np.array(s)[np.array(y) == 0] >= t)
    fnr = np.mean(np.array(s)[np.array(y) == 1] < t)
    assert fpr == pytest.approx(0.25) and fnr == pytest.approx(0.25)


def test_eer_interpolates_between_points():
    # one real above both fakes half the time: reals 0.5, 0.1 ; fakes 0.4, 0.9
    # thr .9: fpr 0, fnr .5 ; thr .5: fpr .5, fnr .5 -> crossing at .5
    e, _ = metrics.eer([0, 0, 1, 1], [0.5, 0.1, 0.4, 0.9])
    assert e == pytest.approx(0.5)


def test_ece_hand_computed():
    # bin of p=0.9 holds two clips, one fake: |0.5-0.9| = 0.4, weight 1/2; bin p=0.1 holds two reals:
    # |0-0.1| = 0.1, weight 1/2 -> 0.25
    assert metrics.ece([1, 0, 0, 0], [0.9, 0.9, 0.1, 0.1], bins=10) == pytest.approx(0.25)
    assert metrics.ece([1, 0], [1.0, 0.0]) == pytest.approx(0.0)


def test_binary_report():
    r = metrics.binary_report([1, 1, 0, 0], [0.9, 0.2, 0.7, 0.1], 0.5)
    assert r == {"accuracy": 0.5, "precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_roc_points_monotone():
    fpr, tpr, thr = metrics.roc_points([0, 1, 0, 1, 1], [0.3, 0.6, 0.2, 0.9, 0.1])
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


def test_bad_labels_rejected():
    with pytest.raises(ValueError):
        metrics.roc_auc([2, 0], [0.1, 0.2])
    with pytest.raises(ValueError):
        metrics.eer([1, 0, 1], [0.1, 0.2])


def test_auc_interval_brackets_the_auc_and_narrows_with_more_clips():
    rng = np.random.default_rng(4)
    y_small = np.r_[np.zeros(12), np.ones(35)].astype(int)
    s_small = np.r_[rng.normal(0, 1, 12), rng.normal(0.4, 1, 35)]
    lo, hi = metrics.auc_interval(y_small, s_small, reps=400)
    assert lo <= metrics.roc_auc(y_small, s_small) <= hi and hi - lo > 0.2
    y_big = np.r_[np.zeros(600), np.ones(600)].astype(int)
    s_big = np.r_[rng.normal(0, 1, 600), rng.normal(0.4, 1, 600)]
    lo2, hi2 = metrics.auc_interval(y_big, s_big, reps=400)
    assert hi2 - lo2 < (hi - lo) / 3
    assert metrics.auc_interval([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], reps=50) == (1.0, 1.0)  # separated: always 1
    assert np.isnan(metrics.auc_interval([1, 1], [0.3, 0.4])[0])
