"""Smoke training on a tiny subset (no generated TTS: the test suite never needs the TTS packages) into
tmp_path; the server's detector loads and runs the result; evaluate writes a card."""
import wave as wavmod
from pathlib import Path

import numpy as np
import pytest

from fakescope.server.detectors import Context, discover
from fakescope.server.features import speech
from fakescope.server.media.types import Media
from fakescope.training.config import load_config
from fakescope.training.audio import recipe
from fakescope.training.augment.nonspeech import make


def write_wav(path: Path, x: np.ndarray, sr: int = 16000) -> Path:
    with wavmod.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, shared_dir):
    out = tmp_path_factory.mktemp("smoke")
    cfg = load_config("audio")
    done = recipe.train(cfg, out, smoke=True, log=lambda *_: None)
    assert "published" not in done
    with np.load(out / cfg["model_file"]) as z:
        model = {k: z[k] for k in z.files}
    assert {"detector_mean", "detector_w", "gate_mean", "gate_w"} <= set(model)
    return cfg, model, out


def detector(cfg, model):
    entry = {"version": "smoke", "input": {**speech.SPEECH_SPEC, "serving": cfg["serving"], "gate_threshold": 0.5},
             "calibration": {"method": "none"}, "thresholds": {"lower": 0.3, "upper": 0.7}}
    return discover()["audio_speech"](model=model, entry=entry)


def media(path, kind="audio", audio_path=None):
    return Media(kind=kind, path=Path(path), sha256="0" * 64, size_bytes=Path(path).stat().st_size,
                 audio_path=audio_path)


def test_smoke_model_scores_real_clip_and_long_audio(smoke, shared_dir, tmp_path):
    cfg, model, _ = smoke
    det = detector(cfg, model)
    clip = next((shared_dir / "datasets/audio/real/ljspeech_coqui").glob("*.flac"))
    stages = []
    r = det.predict(media(clip), Context(report=lambda s, f: stages.append(s)))
    assert r["applicable"] and 0.0 <= r["score"] <= 1.0, r
    assert r["verdict"] in ("likely_fake", "uncertain", "likely_real")
    assert "scoring audio" in stages and len(r["regions"]["segments"]) == 1
    from fakescope.server.media.decode import load_audio

    x = load_audio(clip)
    long = write_wav(tmp_path / "long.wav", np.tile(x, 4))
    r2 = det.predict(media(long), Context())
    segs = r2["regions"]["segments"]
    assert len(segs) >= 3 and segs[-1]["end"] == pytest.approx(len(x) * 4 / 16000, abs=0.02)


def test_not_applicable_cases(smoke, tmp_path):
    cfg, model, _ = smoke
    det = detector(cfg, model)
    silent = write_wav(tmp_path / "silence.wav", np.zeros(5 * 16000, np.float32))
    r = det.predict(media(silent), Context())
    assert r["verdict"] == "not_applicable" and r["reason"] == "no speech found"
    tone = write_wav(tmp_path / "tone.wav", make("tone", np.random.default_rng(3), 6.0))
    r = det.predict(media(tone), Context())
    assert r["verdict"] == "not_applicable" and r["reason"] == "no speech found", r
    t = np.arange(8000) / 16000
    short = write_wav(tmp_path / "short.wav", np.r_[np.zeros(32000), 0.3 * np.sin(2 * np.pi * 200 * t)])
    r = det.predict(media(short), Context())
    # half a second of tone: never scored (the gate calls it no speech, or it is too short)
    assert r["verdict"] == "not_applicable" and (r["reason"] == "no speech found" or r["reason"].startswith("too short")), r
    r = det.predict(media(short, kind="video", audio_path=None), Context())
    assert r["reason"] == "the video has no audio track"
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    r = det.predict(media(bad), Context())
    assert r["verdict"] == "not_applicable" and "decoded" in r["reason"]


def test_smoke_evaluate_writes_card_and_plots(smoke, tmp_path):
    cfg, _, out = smoke
    res = recipe.evaluate(cfg, smoke=True, runs_dir=out, out_dir=tmp_path, log=lambda *_: None)
    card = (tmp_path / "card.md").read_text()
    assert "Leave-one-source-out" in card and "Speech gate" in card and "Shortcut checks" in card
    assert "Fold kinds (the same for every model)" in card and "collection" in card
    assert (tmp_path / "plots" / "roc_det.png").stat().st_size > 1000
    assert res["thresholds"]["lower"] <= res["thresholds"]["upper"]
    assert 0.0 <= res["heldout_worst_auc"] <= res["heldout_auc"] <= 1.0
