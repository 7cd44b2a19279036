"""One-epoch training on a tiny subset into tmp_path; the server's detector loads and runs the result."""
import wave as wavmod
from pathlib import Path

import numpy as np
import pytest

from server.detectors import Context, discover
from server.media.types import Media
from training.config import load_config
from training.recipes import audio as recipe


def write_wav(path: Path, x: np.ndarray, sr: int = 16000) -> Path:
    with wavmod.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def smoke_model(tmp_path_factory, shared_dir):
    out = tmp_path_factory.mktemp("smoke")
    cfg = load_config("audio")
    done = recipe.train(cfg, out, smoke=True, log=lambda *_: None)
    assert (out / "shipped.keras").exists() and "published" not in done
    import keras

    return cfg, keras.saving.load_model(str(out / "shipped.keras"), compile=False)


def detector(cfg, model):
    cls = discover()["audio_speech"]
    entry = {"version": "smoke", "input": {**cfg["shipped"]["features"], "serving": cfg["serving"]},
             "calibration": {"method": "none"}, "thresholds": {"lower": 0.3, "upper": 0.7}}
    return cls(model=model, entry=entry)


def media(path, kind="audio", audio_path=None):
    return Media(kind=kind, path=Path(path), sha256="0" * 64, size_bytes=Path(path).stat().st_size,
                 audio_path=audio_path)


def test_smoke_model_scores_real_clip_and_long_audio(smoke_model, shared_dir, tmp_path):
    cfg, model = smoke_model
    det = detector(cfg, model)
    clip = next((shared_dir / "datasets/audio/real/ljspeech_coqui").glob("*.flac"))
    stages = []
    r = det.predict(media(clip), Context(report=lambda s, f: stages.append(s)))
    assert r["applicable"] and 0.0 <= r["score"] <= 1.0
    assert r["verdict"] in ("likely_fake", "uncertain", "likely_real")
    assert "scoring audio" in stages and len(r["regions"]["segments"]) == 1
    from server.media.decode import load_audio

    x = load_audio(clip)
    long = write_wav(tmp_path / "long.wav", np.tile(x, 4))
    r2 = det.predict(media(long), Context())
    segs = r2["regions"]["segments"]
    assert len(segs) >= 3 and segs[-1]["end"] == pytest.approx(len(x) * 4 / 16000, abs=0.02)


def test_not_applicable_cases(smoke_model, tmp_path):
    cfg, model = smoke_model
    det = detector(cfg, model)
    silent = write_wav(tmp_path / "silence.wav", np.zeros(5 * 16000, np.float32))
    r = det.predict(media(silent), Context())
    assert r["verdict"] == "not_applicable" and "silence" in r["reason"]
    t = np.arange(16000) / 16000
    short = write_wav(tmp_path / "short.wav", np.r_[np.zeros(32000), 0.3 * np.sin(2 * np.pi * 200 * t)])
    r = det.predict(media(short), Context())
    assert r["verdict"] == "not_applicable" and "1.5 s" in r["reason"]
    r = det.predict(media(short, kind="video", audio_path=None), Context())
    assert r["reason"] == "the video has no audio track"
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    r = det.predict(media(bad), Context())
    assert r["verdict"] == "not_applicable" and "decoded" in r["reason"]


def test_smoke_evaluate_writes_card_and_plots(smoke_model, tmp_path):
    cfg, model = smoke_model
    path = tmp_path / "runs" / "shipped.keras"
    path.parent.mkdir()
    model.save(path)
    res = __import__("training.recipes.audio_eval", fromlist=["evaluate"]).evaluate(
        cfg, smoke=True, runs_dir=path.parent, out_dir=tmp_path)
    card = (tmp_path / "card.md").read_text()
    assert "leave-system-out" in card.lower() and "Calibration and thresholds" in card
    assert (tmp_path / "plots" / "roc_det.png").stat().st_size > 1000
    assert res["thresholds"]["lower"] <= res["thresholds"]["upper"]
