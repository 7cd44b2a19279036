"""Degradations: label-blind recipes (the same distribution for both classes), level and alignment kept,
and the quality-balancing machinery behind the "quality is not the label" invariant."""
import numpy as np

from fakescope.training.augment import audio as aug
from fakescope.training.audio.features import quality_features
from fakescope.training.audio.heads.balancing import balancing_weights
from fakescope.training.audio.studies.degradation import quality_auc, weighted_auc


def voice(seed, seconds=3.0, sr=16000):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = rng.uniform(90, 220) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(2, 5) * t))
    x = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 15))
    return (0.1 * x * np.abs(np.sin(2 * np.pi * rng.uniform(2, 4) * t))).astype(np.float32)


def test_recipes_do_not_depend_on_the_audio():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert [aug.random_chain(rng_a) for _ in range(50)] == [aug.random_chain(rng_b) for _ in range(50)]
    recipes = [aug.random_chain(np.random.default_rng(s)) for s in range(2000)]
    pristine = np.mean([r["pristine"] for r in recipes])
    assert 0.2 < pristine < 0.3
    codecs = {r["codec"][0] for r in recipes if r["codec"]}
    assert codecs == {"mp3", "opus", "aac", "amr"}
    assert {r["noise"][0] for r in recipes if r["noise"]} == {"white", "pink", "babble"}


def test_augment_batch_keeps_length_and_level_range():
    waves = [voice(s) for s in range(12)]
    out, recipes = aug.augment_batch(waves, seed=3, babble_pool=[voice(100 + s) for s in range(6)])
    assert len(out) == len(waves) and len(recipes) == len(waves)
    for w, o, r in zip(waves, out, recipes):
        assert o.dtype == np.float32 and np.isfinite(o).all() and np.abs(o).max() <= 1.0
        assert len(o) <= len(w) and (r["crop"] or len(o) == len(w))


def test_codecs_roundtrip_aligned():
    waves = [voice(s) for s in range(3)]
    for codec, br in (("mp3", 64), ("opus", 24), ("amr", 12.2)):
        for a, b in zip(waves, aug.codec_roundtrip(waves, codec, br)):
            assert len(a) == len(b)
            # AMR is a parametric (CELP) coder: phase is not kept, the spectrum is
            assert np.corrcoef(a, b)[0, 1] > (0.4 if codec == "amr" else 0.9), codec
            assert np.corrcoef(np.abs(np.fft.rfft(a)), np.abs(np.fft.rfft(b)))[0, 1] > 0.95, codec


def test_reverb_and_babble_levels():
    x = voice(1)
    r = aug.reverb(x, 0.5, 0.6, np.random.default_rng(0))
    assert abs(np.sqrt(np.mean(r ** 2)) / np.sqrt(np.mean(x ** 2)) - 1) < 0.05
    b = aug.add_babble(x, 10.0, [voice(s) for s in range(2, 7)], np.random.default_rng(0))
    noise = b - x
    snr = 10 * np.log10(np.mean(x ** 2) / np.mean(noise ** 2))
    assert 9.0 < snr < 11.0


def test_quality_classifier_finds_a_planted_shortcut_and_weights_remove_it():
    """Reals mostly noisy and band-limited, fakes mostly clean: the cross-validated quality classifier
    finds it (AUC high). Under the inverse-propensity weights the planted cue is balanced between the
    classes and no single quality feature separates them any more."""
    rng = np.random.default_rng(0)
    q, y, groups, noisy = [], [], [], []
    for i in range(160):
        fake = i % 2
        x = voice(i)
        noisy.append(rng.random() < (0.15 if fake else 0.85))
        if noisy[-1]:
            x = aug.add_noise(aug.lowpass(x, 3500.0), 10.0, rng)
        q.append(quality_features(x))
        y.append(fake)
        groups.append(f"g{i // 2}")
    q, y, noisy = np.array(q), np.array(y), np.array(noisy)
    assert quality_auc(q, y, groups) > 0.7
    w = balancing_weights(q, y, groups)
    shares = [(w * noisy)[y == c].sum() / w[y == c].sum() for c in (0, 1)]
    assert abs(shares[0] - shares[1]) < 0.1  # raw: 0.9 vs 0.16
    for j in range(q.shape[1]):
        raw, weighted = weighted_auc(y, q[:, j], np.ones(len(y))), weighted_auc(y, q[:, j], w)
        assert abs(weighted - 0.5) < max(0.12, abs(raw - 0.5) - 0.15), (j, raw, weighted)


def test_weighted_auc_matches_plain_auc_with_unit_weights():
    from fakescope.training.evaluation.metrics import roc_auc

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    s = rng.random(200) + 0.3 * y
    assert abs(weighted_auc(y, s, np.ones(200) * 1.0001 + np.r_[1e-9, np.zeros(199)]) - roc_auc(y, s)) < 1e-6
