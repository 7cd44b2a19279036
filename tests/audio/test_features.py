"""Audio features: shape, determinism, gain invariance, speech gate, and that training's cached
features are the serving features (same function, same bytes)."""
import numpy as np
import pytest

from server.features import audio as feats
from server.media.decode import load_audio
from training import augment_audio
from training.audio_data import AudioData
from training.config import load_config


def tone(seconds=4.0, f=220.0, amp=0.3, sr=16000):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_logspec_shape_and_determinism():
    x = np.random.default_rng(0).standard_normal(64000).astype(np.float32) * 0.1
    a, b = feats.logspec(x), feats.logspec(x.copy())
    assert a.shape == (398, 64, 1) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.abs(feats.logspec(x * 0.25) - a).max() < 1e-4  # gain does not move the features


def test_short_clip_is_looped_not_zero_padded():
    x = tone(1.0)
    w = feats.fit_window(x, 64000)
    assert len(w) == 64000 and np.array_equal(w[16000:32000], x)
    assert feats.logspec(x).shape == (398, 64, 1)
    with pytest.raises(ValueError):
        feats.fit_window(np.zeros(0, np.float32), 10)


def test_band_limit_hides_content_above_4k():
    rng = np.random.default_rng(1)
    speechish = tone(4.0, 300) + 0.01 * rng.standard_normal(64000).astype(np.float32)
    high = augment_audio.lowpass(rng.standard_normal(64000).astype(np.float32), 7900) * 0.05
    high = high - augment_audio.lowpass(high, 4500)  # energy only between 4.5 and 7.9 kHz
    diff = np.abs(feats.logspec(speechish + high) - feats.logspec(speechish)).mean()
    assert diff < 0.02


def test_baseline_features_shapes():
    x = tone()
    assert feats.extract(x, feats.MFCC_SPEC).shape == (40, 1)
    assert feats.extract(x, feats.MEL_SPEC).shape == (128, 128, 1)
    with pytest.raises(ValueError):
        feats.extract(x, {"features": "wavelets"})


def test_speech_gate_and_windows():
    silence = np.zeros(48000, np.float32)
    assert feats.speech_seconds(silence) == 0.0
    x = np.concatenate([silence, tone(2.0), silence])
    assert 1.8 <= feats.speech_seconds(x) <= 2.1
    assert feats.window_starts(10 * 16000, feats.LOGSPEC_SPEC, 2.0) == [0, 32000, 64000, 96000]
    assert feats.window_starts(11 * 16000, feats.LOGSPEC_SPEC, 2.0)[-1] == 7 * 16000
    assert feats.window_starts(16000, feats.LOGSPEC_SPEC, 2.0) == [0]


def test_training_cache_equals_serving_features(shared_dir):
    cfg = load_config("audio")
    data = AudioData(cfg, limit=8, seed=3)
    spec = cfg["shipped"]["features"]
    cached = data.eval_features([spec], "clean")[0]
    for i in (0, len(data) - 1):
        wave = load_audio(data.root / data.table["path"][i])
        served = feats.batch(wave, [0], spec)[0]
        assert np.array_equal(served.astype(np.float16), cached[i])


def test_codec_roundtrip_keeps_alignment(shared_dir):
    cfg = load_config("audio")
    data = AudioData(cfg, limit=4, seed=5)
    waves = data.waves()
    out = augment_audio.codec_roundtrip(waves, "mp3", 64)
    for a, b in zip(waves, out):
        assert len(a) == len(b)
        assert np.corrcoef(a, b)[0, 1] > 0.9
