"""RawBoost-style perturbation (training.augment.audio.rawboost) and the 44.1 kHz MP3 chain: shape, dtype and
level kept, finite, the stationary noise's SNR in its range, deterministic given a seed, different from the
input, and independent of the label (it never sees one)."""
import numpy as np

from fakescope.training.augment import audio as aug
from fakescope.training.augment import rawboost as rb
from test_audio_degrade import voice as degrade_voice


def voice(seed, seconds=2.0):
    return degrade_voice(seed, seconds)   # the same harmonic, amplitude-modulated test voice, 2 s


def rms(x):
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


def test_shape_dtype_finite_and_changed():
    for s in range(6):
        x = voice(s)
        y = rb.rawboost(x, np.random.default_rng(s))
        assert y.shape == x.shape and y.dtype == np.float32
        assert np.isfinite(y).all() and np.abs(y).max() <= 1.0
        assert not np.allclose(x, y)
        assert 0.3 < rms(y) / rms(x) < 3.0  # level roughly kept
        # the same speech underneath: aligned, not replaced (the FIRs are applied without their delay)
        assert np.corrcoef(np.abs(np.fft.rfft(x)), np.abs(np.fft.rfft(y)))[0, 1] > 0.5


def test_each_step_alone():
    x = voice(1)
    for step in rb.RAWBOOST_STEPS:
        y = rb.rawboost(x, np.random.default_rng(3), steps=(step,))
        assert y.shape == x.shape and y.dtype == np.float32 and np.isfinite(y).all(), step
        assert not np.allclose(x, y), step
    conv = rb.convolutive_noise(x, np.random.default_rng(4))
    assert abs(rms(conv) / rms(x) - 1) < 0.02 and abs(conv.mean()) < 1e-3
    imp = rb.impulsive_noise(x, np.random.default_rng(5))
    changed = np.mean(imp != x)
    assert 0 < changed <= 0.11
    silent = np.zeros(8000, np.float32)  # signal-dependent: nothing where there is no signal
    assert np.array_equal(rb.impulsive_noise(silent, np.random.default_rng(5)), silent)


def test_stationary_snr_in_range():
    x = voice(2)
    snrs = []
    for s in range(40):
        y = rb.stationary_noise(x, np.random.default_rng(s))
        noise = y.astype(np.float64) - x
        snrs.append(10 * np.log10(np.mean(x.astype(np.float64) ** 2) / np.mean(noise ** 2)))
    snrs = np.array(snrs)
    assert snrs.min() > 10 - 0.1 and snrs.max() < 40 + 0.1
    assert snrs.max() - snrs.min() > 10  # drawn across the range, not fixed


def test_deterministic_with_a_seed():
    waves = [voice(s) for s in range(4)]
    a = rb.rawboost_batch(waves, seed=7)
    b = rb.rawboost_batch(waves, seed=7)
    c = rb.rawboost_batch(waves, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    # a clip's copy depends on (seed, its index), not on the other clips of the batch
    assert np.array_equal(rb.rawboost_batch(waves[:2], seed=7)[1], a[1])


def test_label_blind():
    """The same clip gives the same copy whatever class it is filed under: the draw only reads the rng."""
    x = voice(9)
    real = rb.rawboost_batch([x, voice(10)], seed=1)[0]
    fake = rb.rawboost_batch([x, voice(11)], seed=1)[0]
    assert np.array_equal(real, fake)


def test_multiband_fir_linear_phase():
    for s in range(10):
        h = rb.random_multiband_fir(np.random.default_rng(s))
        assert len(h) % 2 == 1 and 11 <= len(h) <= 101
        assert np.allclose(h, h[::-1])  # symmetric: linear phase, so "same" convolution keeps alignment


def test_mp3_at_44k_roundtrip_aligned():
    """16 kHz -> 44.1 kHz, MP3 128 kb/s, back to 16 kHz (codec_roundtrip's encode_rate)."""
    waves = [voice(s) for s in range(3)]
    for a, b in zip(waves, aug.codec_roundtrip(waves, "mp3", 128, encode_rate=44100)):
        assert len(a) == len(b) and b.dtype == np.float32
        assert np.corrcoef(a, b)[0, 1] > 0.95
