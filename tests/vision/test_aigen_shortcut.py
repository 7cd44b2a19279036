"""The shortcut check on this model's own folds: the file statistics (training/aigen/features.py) are what they
claim, a planted shortcut is caught by the framework's statistics head on these folds, noise is not, and the
card's shortcut figure is what the statistics give on the real files."""
from __future__ import annotations

import json

import numpy as np
import pytest
from fakescope.training.aigen.features import (
    STAT_NAMES,
    colourfulness,
    file_statistics,
    jpeg_quality,
)
from fakescope.training.aigen.studies.folds import Fold
from fakescope.training.aigen.studies.own_folds import shortcut_fold_scores
from fakescope.training.evaluation.metrics import roc_auc
from PIL import Image


def _noise(h=120, w=160, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


@pytest.mark.parametrize("q", [50, 60, 75, 92, 95])
def test_jpeg_quality_estimate_recovers_the_encoder_setting(tmp_path, q):
    p = tmp_path / f"q{q}.jpg"
    Image.fromarray(_noise()).save(p, quality=q)
    assert abs(jpeg_quality(p) - q) <= 1


def test_file_statistics(tmp_path):
    p = tmp_path / "x.png"
    Image.fromarray(_noise(100, 200)).save(p)
    s = dict(zip(STAT_NAMES, file_statistics(p)))
    assert s["jpeg_quality"] == 100.0  # not a JPEG
    assert s["aspect"] == 2.0 and abs(s["log_pixels"] - np.log(20000)) < 1e-9
    assert abs(s["bytes_per_pixel"] - p.stat().st_size / 20000) < 1e-12
    gray = np.repeat(_noise()[..., :1], 3, axis=2)
    assert colourfulness(gray) == 0.0 and colourfulness(_noise()) > 50


def _synthetic(n=400, seed=1):
    rng = np.random.default_rng(seed)
    src = np.array(["a", "b", "c", "d"] * (n // 4))
    y = rng.integers(0, 2, n)
    return {"source": src, "label": y, "group": np.array([f"g{i}" for i in range(n)]),
            "system": np.where(y == 1, np.char.add("gen-", src), "photo")}, rng  # one generator per source


def test_a_planted_shortcut_is_caught_and_noise_is_not():
    t, rng = _synthetic()
    folds = [Fold(s, "source", (s,)) for s in "abcd"]
    stats = rng.normal(size=(len(t["label"]), len(STAT_NAMES)))
    noise = [roc_auc(t["label"][r["val"]], r["clean"]) for r in shortcut_fold_scores(stats, t, folds)]
    assert abs(np.mean(noise) - 0.5) < 0.1
    stats[:, 2] += 2.5 * t["label"]  # bytes per pixel now carries the label
    leak = [roc_auc(t["label"][r["val"]], r["clean"]) for r in shortcut_fold_scores(stats, t, folds)]
    assert min(leak) > 0.9


def test_card_shortcut_figure_matches_the_files(repo_root, shared_dir):
    path = repo_root / "models" / "cards" / "aigen_metrics.json"
    card = json.loads(path.read_text())
    if "loso" not in card:
        pytest.skip("aigen v2 not evaluated yet")
    from fakescope.training.aigen.data import load_table
    from fakescope.training.aigen.features import statistics
    from fakescope.training.aigen.studies.folds import loso_folds
    from fakescope.training.config import load_config

    cfg = load_config("aigen")
    images = shared_dir / "datasets" / "images"
    t = load_table(images, tuple(cfg["sources"]) + tuple(cfg.get("face_sources", [])))
    res = shortcut_fold_scores(statistics(t, images), t, loso_folds(t, cfg["sources"]))
    aucs = [roc_auc(t["label"][r["val"]], r["clean"]) for r in res]
    assert abs(np.mean(aucs) - card["loso"]["shortcut_auc"]["mean"]) < 1e-9
    assert abs(min(aucs) - card["loso"]["shortcut_auc"]["worst"]) < 1e-9
