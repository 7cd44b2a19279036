"""The face recipe's splits: the early-stopping slice and the video cross-validation folds never leak."""
from __future__ import annotations

import numpy as np

from training.config import load_config
from training.recipes.face import split, stop_slice
from training.recipes.face_video import group_folds


def _toy(n=400):
    rng = np.random.default_rng(0)
    groups = np.array([f"g{int(i)}" for i in rng.integers(0, 120, n)])
    return {"group": groups, "path": np.array([f"real/x/{i}.jpg" for i in range(n)]), "label": rng.integers(0, 2, n)}


def test_stop_slice_is_training_groups_only():
    cfg = load_config("face")
    cfg["split"] = {**cfg["split"], "stop_fraction": 0.12}
    data = _toy()
    train, val = split(data, cfg)
    assert not stop_slice(data, train, {**cfg, "split": {**cfg["split"], "stop_fraction": 0.0}}).any()
    stop = stop_slice(data, train, cfg)
    assert stop.any() and not (stop & val).any() and not (stop & ~train).any()
    # whole groups: no group has rows both in the stop slice and in the fitted part
    fitted = set(data["group"][train & ~stop])
    assert fitted.isdisjoint(set(data["group"][stop]))


def test_video_group_folds_partition_groups_deterministically():
    groups = ["DFM:a", "DFM:b", "DFM:c", "DFM:d", "DFM:e", "DFM:f", "DFM:g"]
    f1 = group_folds(groups + groups, 3, seed=1)
    assert f1 == group_folds(list(reversed(groups)), 3, seed=1)   # order of clips does not matter
    assert set(f1) == set(groups) and set(f1.values()) == {0, 1, 2}
    sizes = np.bincount(list(f1.values()))
    assert sizes.max() - sizes.min() <= 1
