"""Smoke run of `fakescope train aigen` / `evaluate aigen` on a tiny subset: a loadable npz head that the
detector accepts, folds with both classes, and nothing published."""
from __future__ import annotations

import json

import numpy as np
import pytest
from fakescope.server.detectors.ai_image import AIImageDetector, head_probability
from fakescope.training import cli
from fakescope.training.config import load_config


@pytest.mark.slow
def test_smoke_train_writes_a_head_the_detector_loads(tmp_path, shared_dir, repo_root):
    before = {p: (repo_root / p).read_bytes() for p in ("models/manifest.json", "README.md")}
    assert cli.main(["train", "aigen", "--smoke", "--out", str(tmp_path)]) == 0
    info = json.loads((tmp_path / "train_info.json").read_text())
    assert info["smoke"] and info["n_train"] > 20 and 0 < info["n_fake"] < info["n_images"]
    with np.load(tmp_path / "model.npz", allow_pickle=False) as z:
        head = {k: z[k] for k in z.files}
    AIImageDetector(head, {})  # accepted by the serving code
    rng = np.random.default_rng(0)
    p = head_probability(head, rng.normal(size=(5, 512)).astype(np.float32))
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))
    assert {p: (repo_root / p).read_bytes() for p in before} == before  # smoke never publishes


@pytest.mark.slow
def test_smoke_evaluate_measures_every_fold(shared_dir):
    from fakescope.training.aigen.recipe import MODEL
    from fakescope.training.aigen.studies import own_folds
    from fakescope.training.evaluation.run import measure_model

    cfg = load_config("aigen")
    ctx = MODEL.load(cfg, True)
    res = measure_model(MODEL, cfg, ctx, smoke=True, log=lambda *_: None)
    res["calibration"] = MODEL.calibrate(cfg, ctx, res)
    own = own_folds.run(cfg, ctx, res)
    assert own["loso"]["auc"]["n_folds"] >= 10
    for r in own["folds"]:
        assert r["n_fake"] > 0 and r["n_real"] > 0, r["fold"]
        assert 0.0 <= r["auc"] <= 1.0 or np.isnan(r["auc"])
    assert res["calibration"]["params"]["method"] == "platt"
