"""Speech features: shape, looping of short clips, the heads' numpy evaluation, and that training's
cached embeddings ARE the serving embeddings (same function, same numbers)."""
import numpy as np
import pytest

from fakescope.server.features import lfcc, speech
from fakescope.server.media.decode import load_audio
from fakescope.training.audio import features as audio_features
from fakescope.training.audio.data import AudioData, family_of
from fakescope.training.config import load_config
from fakescope.training.audio.heads import fit_head, score


def tone(seconds=4.0, f=220.0, amp=0.3, sr=16000):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_window_embedding_shape_and_short_clip_looping():
    e = speech.window_embedding(tone())
    assert e.shape == (speech.DIM,) and e.dtype == np.float32 and np.isfinite(e).all()
    short = tone(1.0)
    looped = np.tile(short, 4)
    np.testing.assert_array_equal(speech.window_embedding(short), speech.window_embedding(looped))
    with pytest.raises(ValueError):
        speech.window_embedding(tone(), {"features": "wavelets", "sr": 16000, "window_s": 4.0})


def test_level_does_not_move_the_features():
    rng = np.random.default_rng(5)
    x = tone(4.0, 180.0, 0.2) + 0.01 * rng.standard_normal(64000).astype(np.float32)
    a, b = speech.window_embedding(x), speech.window_embedding(x * 0.05)
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()
    assert np.sqrt(np.mean(speech.normalise_level(x * 0.05) ** 2)) == pytest.approx(speech.TARGET_RMS, rel=1e-3)
    silence = np.zeros(1000, np.float32)
    np.testing.assert_array_equal(speech.normalise_level(silence), silence)


@pytest.mark.parametrize("kind", ["logreg", "mlp"])
def test_head_arrays_reproduce_sklearn(kind):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 12)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.standard_normal(300) > 0).astype(int)
    head = fit_head(x, y, {"kind": kind, "C": 1.0, "hidden": 8, "alpha": 0.01, "epochs": 200}, "h")
    p = score(head, "h", x)
    assert np.allclose(p, speech.head_probability(head, "h", x))
    assert ((p > 0.5) == y).mean() > 0.85
    if kind == "logreg":
        z = (x - head["h_mean"]) / head["h_scale"]
        ref = LogisticRegression(C=1.0, max_iter=3000).fit(
            z, y, sample_weight=np.where(y == 1, len(y) / 2 / y.sum(), len(y) / 2 / (len(y) - y.sum())))
        np.testing.assert_allclose(p, ref.predict_proba(z)[:, 1], atol=1e-3)


def test_family_rules():
    assert family_of("HiFi-GAN V1") == "gan vocoder"
    assert family_of("espeak-ng 1.51 (formant) voice en-us") == "classic (espeak-ng / flite)"
    assert family_of("YourTTS (Exp.1 model)") == "vits (piper)"
    assert family_of("EnCodec tokens @ 6kbps decoded by Vocos (neural-codec resynthesis of real audio)") == "neural codec / vocos"
    assert family_of("FastSpeech 2") == "acoustic model / voice conversion (other)"


def test_training_cache_equals_serving_embeddings(shared_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKESCOPE_CACHE", str(tmp_path))
    cfg = load_config("audio")
    data = AudioData(cfg, limit=6, seed=3, generated=False)
    layers = speech.SPEECH_SPEC["encoder_layers"]
    cached = audio_features.cut_embeddings(data, layers, 0, cfg["augment"]["seed"], log=lambda *_: None)
    again = audio_features.cut_embeddings(data, layers, 0, cfg["augment"]["seed"], log=lambda *_: None)  # read back from the cache
    np.testing.assert_array_equal(cached, again)
    whole = audio_features.embeddings(data, 0, cfg["augment"]["seed"], log=lambda *_: None)  # the comparison rows' features
    spectral = audio_features.spectral(data, 0, cfg["augment"]["seed"], log=lambda *_: None)
    for i in (0, len(data) - 1):
        wave = load_audio(data.root / data.table["path"][i])
        np.testing.assert_array_equal(speech.embed_windows(wave, [0])[0], cached[i])
        np.testing.assert_array_equal(speech.embed_windows(wave, [0], speech.LAST_LAYER_SPEC)[0], whole[i])
        gate_x, det_x = speech.window_vectors(wave[: speech.window_samples(speech.SPEECH_SPEC)])
        np.testing.assert_array_equal(gate_x, cached[i])
        np.testing.assert_array_equal(det_x, np.concatenate([cached[i], spectral[i]]))


def test_lfcc_statistics_shape_level_and_band():
    rng = np.random.default_rng(2)
    x = speech.normalise_level(tone(4.0, 150.0, 0.3) + 0.02 * rng.standard_normal(64000).astype(np.float32))
    s = lfcc.lfcc_stats(x)
    assert s.shape == (lfcc.DIM,) and s.dtype == np.float32 and np.isfinite(s).all()
    np.testing.assert_allclose(lfcc.lfcc_stats(x * 0.01), s, atol=1e-3)  # c0 (the level) is left out
    # the upper band is seen: the same sound low-passed at 4 kHz gets clearly different statistics
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(len(x), 1 / 16000) > 4000] = 0
    low = np.fft.irfft(spec, n=len(x)).astype(np.float32)
    assert np.abs(lfcc.lfcc_stats(low) - s).max() > 10 * np.abs(lfcc.lfcc_stats(x * 0.01) - s).max()
    with pytest.raises(ValueError):
        lfcc.lfcc_stats(np.zeros(100, np.float32))


def test_window_vectors_follow_the_spec():
    x = tone(4.0, 200.0, 0.2)
    gate_x, det_x = speech.window_vectors(x)
    assert gate_x.shape == (speech.DIM,) and det_x.shape == (speech.DIM + lfcc.DIM,)
    np.testing.assert_array_equal(det_x[: speech.DIM], gate_x)
    np.testing.assert_array_equal(det_x[speech.DIM:], speech.window_spectral(x))
    # the shipped spec reads the encoder cut to its first layers; a 2.0-2.1 manifest entry the whole one
    np.testing.assert_array_equal(gate_x, speech.window_embedding(x))
    g1, d1 = speech.window_vectors(x, speech.LAST_LAYER_SPEC)
    assert not np.allclose(g1, gate_x)
    np.testing.assert_array_equal(d1, np.concatenate([g1, speech.window_spectral(x)]))
    v20 = {k: v for k, v in speech.LAST_LAYER_SPEC.items() if k != "spectral"}  # a v2.0 manifest entry
    g0, d0 = speech.window_vectors(x, v20)
    np.testing.assert_array_equal(g0, g1)
    np.testing.assert_array_equal(d0, g1)
    # several windows at once (the detector's call): the same vectors as one window at a time
    y = tone(3.0, 300.0, 0.1)
    gates, dets = speech.windows_vectors([x, y, x])
    np.testing.assert_allclose(gates[0], gate_x, rtol=0, atol=1e-5)
    np.testing.assert_allclose(dets[2], det_x, rtol=0, atol=1e-5)
    np.testing.assert_allclose(dets[1], speech.window_vectors(y)[1], rtol=0, atol=1e-5)
    gates0, dets0 = speech.windows_vectors([x], v20)
    np.testing.assert_array_equal(gates0, dets0)
    with pytest.raises(ValueError):
        speech.window_vectors(x, {**speech.SPEECH_SPEC, "spectral": "cqcc"})
    with pytest.raises(ValueError):
        speech.window_vectors(x, {**speech.SPEECH_SPEC, "encoder_layers": 6})