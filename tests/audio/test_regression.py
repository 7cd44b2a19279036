"""The shipped model still reaches the validation EER its card and manifest report (leave-system-out
validation of ../shared/datasets/audio, clean condition, recomputed from the audio files)."""
import numpy as np
import pytest

from server import modelstore
from server.calibration import apply
from server.features import audio as feats
from server.media.decode import load_audio
from training import metrics
from training.audio_data import AudioData
from training.config import load_config
from training.recipes.audio import primary_split


@pytest.mark.slow
def test_shipped_model_reaches_card_eer(repo_root, shared_dir):
    cfg = load_config("audio")
    entries = modelstore.read_manifest(repo_root / "models")
    assert cfg["model_key"] in entries, "the shipped audio model is missing from models/manifest.json"
    entry = entries[cfg["model_key"]]
    model = modelstore.load_model(repo_root / "models", cfg["model_key"], entry)
    data = AudioData(cfg)
    _, va = primary_split(cfg, data)
    spec = {k: v for k, v in entry["input"].items() if k not in ("serving", "input_shape")}
    # recomputed through the serving path (decode + server.features), not the training cache
    x = np.stack([feats.batch(load_audio(data.root / p), [0], spec)[0] for p in data.table["path"][va]])
    p = apply(model.predict(x, batch_size=64, verbose=0).ravel(), entry["calibration"])
    eer, _ = metrics.eer(data.y[va], p)
    assert eer <= entry["metrics"]["eer_clean"] + 0.01
    assert metrics.roc_auc(data.y[va], p) >= entry["metrics"]["auc_clean"] - 0.01
    card = (repo_root / "models" / entry["card"]).read_text()
    assert f"{100 * entry['metrics']['eer_clean']:.1f} %" in card
