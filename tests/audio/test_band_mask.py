"""The feature-space band mask (training.recipes.audio.band_mask) must behave like the waveform
low-pass it stands in for (training.augment_audio.lowpass), so the lowpass_4k check is meaningful."""
import numpy as np

from server.features.audio import logspec
from training.augment_audio import lowpass
from training.recipes.audio import band_mask, logspec_bin_hz

SPEC = {"features": "logspec", "sr": 16000, "window_s": 4.0, "n_fft": 512, "win_length": 400,
        "hop": 160, "fmin_hz": 31.25, "fmax_hz": 8000.0, "pool": 4}


def _wave(seed: int) -> np.ndarray:
    """Pink-ish noise with an amplitude envelope: broadband energy up to 8 kHz, like speech + air."""
    rng = np.random.default_rng(seed)
    n = 16000 * 4
    white = rng.standard_normal(n)
    spec = np.fft.rfft(white) / np.sqrt(np.arange(n // 2 + 1) + 50.0)
    env = 0.3 + np.abs(np.sin(np.linspace(0, 12 * np.pi, n)))
    x = np.fft.irfft(spec, n) * env
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def test_bin_frequencies_match_logspec_shape():
    hz = logspec_bin_hz(SPEC)
    assert len(hz) == logspec(_wave(0), SPEC).shape[1] == 64
    assert 31 < hz[0] < 200 and 7700 < hz[-1] <= 8000
    assert np.all(np.diff(hz) > 0)


def test_mask_at_4k_approximates_waveform_lowpass(shared_dir):
    """On real dataset clips (speech pauses give the clip its deep floor), masking the clean features
    at 4 kHz lands close to the features of the low-passed audio: the lowpass_4k condition."""
    import csv

    from server.media.decode import load_audio

    root = shared_dir / "datasets" / "audio"
    rows = list(csv.DictReader(open(root / "MANIFEST.csv", encoding="utf-8")))
    picks = [r for r in rows if r["label"] == "1"][:3] + [r for r in rows if r["label"] == "0"][:3]
    high = logspec_bin_hz(SPEC) > 5000
    for k, r in enumerate(picks):
        w = load_audio(root / r["path"])
        clean = logspec(w, SPEC)[None]
        lp = logspec(lowpass(w, 4000.0), SPEC)[None]
        masked = band_mask(clean, SPEC, np.random.default_rng(k), {"p": 1.0, "min_hz": 4000.0, "max_hz": 4000.0})
        # measured on these clips: ~0.1-0.4 for the mask against ~1.0-1.7 unmasked (20 dB = 1.0)
        assert np.abs(masked - lp)[:, :, high].mean() < 0.4 * np.abs(clean - lp)[:, :, high].mean(), r["path"]
        assert np.abs(masked - lp).mean() < 0.4 * np.abs(clean - lp).mean(), r["path"]
        assert abs(float(masked.mean())) < 1e-4  # re-centred like logspec


def test_probability_and_cutoff_range():
    x = np.stack([logspec(_wave(s), SPEC) for s in range(40)])
    hz = logspec_bin_hz(SPEC)
    untouched = band_mask(x, SPEC, np.random.default_rng(1), {"p": 0.0})
    np.testing.assert_array_equal(untouched, x)
    out = band_mask(x, SPEC, np.random.default_rng(1), {"p": 0.75, "min_hz": 3500.0, "max_hz": 7500.0})
    top = hz > 7900  # attenuated by >= ~9 dB whenever a clip is masked (cutoff <= 7.5 kHz)
    drop = (x[:, :, top] - out[:, :, top]).mean(axis=(1, 2, 3))
    masked = drop > 0.3
    assert 0.5 <= masked.mean() <= 0.95  # about p of the clips, never all or none
    np.testing.assert_array_equal(out[~masked], x[~masked])
    # below every cutoff the spectral shape is kept (only the re-centring offset changes)
    low = hz < 1500
    shape_in = x[masked][:, :, low] - x[masked][:, :, low].mean(axis=(1, 2, 3), keepdims=True)
    shape_out = out[masked][:, :, low] - out[masked][:, :, low].mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(shape_out, shape_in, atol=1e-4)
