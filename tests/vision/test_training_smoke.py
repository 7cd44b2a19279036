"""Smoke training runs: tiny subset, one epoch, into tmp_path (nothing published)."""
from __future__ import annotations

import json

import pytest

from training import cli


@pytest.mark.slow
@pytest.mark.parametrize("name", ["face", "aigen"])
def test_smoke_train(name, tmp_path, shared_dir, repo_root):
    manifest_before = (repo_root / "models" / "manifest.json").read_text()
    assert cli.main(["train", name, "--smoke", "--out", str(tmp_path)]) == 0
    info = json.loads((tmp_path / "train_info.json").read_text())
    assert info["smoke"] and info["epochs"] == 1 and info["n_train"] > 20 and info["n_val"] > 5
    import keras

    model = keras.saving.load_model(str(tmp_path / "model.keras"), compile=False)
    assert model.output_shape == (None, 1)
    assert (repo_root / "models" / "manifest.json").read_text() == manifest_before  # smoke never publishes
