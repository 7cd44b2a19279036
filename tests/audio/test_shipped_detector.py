"""The shipped speech detector (models/manifest.json + models/audio_speech.npz) on real files: the speech
gate refuses generated non-speech with "no speech found" and accepts real speech from every in-the-wild
source; classic synthesisers score above studio reals; a video soundtrack goes the same way."""
import csv
import wave as wavmod
from pathlib import Path

import numpy as np
import pytest

from fakescope.server import modelstore
from fakescope.server.detectors import Context, discover
from fakescope.server.media.types import Media
from fakescope.training.augment.nonspeech import make


@pytest.fixture(scope="module")
def det(repo_root):
    models = repo_root / "models"
    entry = modelstore.read_manifest(models)["audio_speech"]
    assert entry["format"] == "npz" and entry["heldout_auc"] is not None and entry["heldout_worst_auc"] is not None
    return discover()["audio_speech"](model=modelstore.load_model(models, "audio_speech", entry), entry=entry)


def media(path):
    return Media(kind="audio", path=Path(path), sha256="0" * 64, size_bytes=Path(path).stat().st_size)


def write_wav(path: Path, x: np.ndarray) -> Path:
    with wavmod.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("kind", ["tone", "chord", "chirp", "noise", "hum", "music", "drums", "silence"])
def test_non_speech_is_not_applicable(det, tmp_path, kind):
    rng = np.random.default_rng(4242)
    refused = 0
    for i in range(3):
        x = make(kind, rng, 8.0)
        r = det.predict(media(write_wav(tmp_path / f"{kind}{i}.wav", x)), Context())
        refused += r["verdict"] == "not_applicable" and r["reason"] == "no speech found"
    assert refused == 3, kind


def _rows(shared_dir):
    root = shared_dir / "datasets" / "audio"
    return root, list(csv.DictReader(open(root / "MANIFEST.csv", encoding="utf-8")))


@pytest.mark.slow
def test_real_speech_from_every_source_is_judged(det, shared_dir):
    root, rows = _rows(shared_dir)
    by_source = {}
    for r in rows:
        if r["label"] == "real":
            by_source.setdefault(r["source"], []).append(r)
    refused, short = [], 0
    for src, rs in sorted(by_source.items()):
        for r in rs[:4]:
            out = det.predict(media(root / r["path"]), Context())
            if not out["applicable"]:
                # a clip with under 1 s of sound may be called too short; never "no speech found"
                assert out["reason"].startswith("too short") or out["reason"] == "no speech found", out["reason"]
                if out["reason"] == "no speech found":
                    refused.append(r["path"])
                else:
                    short += 1
                    assert float(r["seconds"]) < 2.0, r["path"]
    assert not refused, refused
    assert short <= 3


def test_short_speech_is_too_short_not_absent(det, shared_dir, tmp_path):
    from fakescope.server.media.decode import load_audio

    root, rows = _rows(shared_dir)
    x = load_audio(root / next(r for r in rows if r["source"] == "ljspeech_coqui")["path"])
    speech = x[np.argmax(np.abs(x) > 0.05):][:11200]  # 0.7 s from the first loud sample
    r = det.predict(media(write_wav(tmp_path / "short.wav", np.r_[np.zeros(16000), speech, np.zeros(16000)])), Context())
    assert r["verdict"] == "not_applicable" and r["reason"].startswith("too short"), r


@pytest.mark.slow
def test_classic_synthesis_scores_above_studio_reals(det, shared_dir):
    root, rows = _rows(shared_dir)
    fakes = [r for r in rows if r["source"] == "debian_tts"][:12]
    reals = [r for r in rows if r["source"] == "ljspeech_coqui"][:12]
    f = [det.predict(media(root / r["path"]), Context())["score"] for r in fakes]
    s = [det.predict(media(root / r["path"]), Context())["score"] for r in reals]
    assert np.mean(f) > np.mean(s) + 0.2, (np.mean(f), np.mean(s))


def test_warmup_refuses_a_model_whose_heads_do_not_match_the_input_spec(det):
    det.warmup()  # the shipped pair matches
    old_spec = {**det.entry, "input": {k: v for k, v in det.entry["input"].items() if k != "spectral"}}
    mismatched = type(det)(model=det.model, entry=old_spec)  # a 2.0 manifest entry with a 2.1 model file
    with pytest.raises(modelstore.ModelError, match="detector head reads"):
        mismatched.warmup()
