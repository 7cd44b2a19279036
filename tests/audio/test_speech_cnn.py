"""The reference-recipe CNN comparison head (training.audio.heads.comparison): it learns a separable problem through
the registered architecture, and its scores are probabilities of class 1 in input order."""
import numpy as np

from fakescope.training.audio.heads.comparison import fit_cnn, random_crops, score_cnn


def test_mfcc_cnn1d_head_learns_and_scores_in_order():
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 200)
    x = rng.standard_normal((400, 40)).astype(np.float32) * 0.3
    x[:, 5:9] += np.where(y == 1, 1.0, -1.0)[:, None]  # the class lives in four coefficients
    model = fit_cnn(x, y, {"architecture": "mfcc_cnn1d", "epochs": 8, "batch": 32, "lr": 0.003}, seed=1)
    p = score_cnn(model, x)
    assert p.shape == (400,) and np.all((p >= 0) & (p <= 1))
    assert ((p > 0.5) == y).mean() > 0.9
    np.testing.assert_allclose(score_cnn(model, x[::-1]), p[::-1], atol=1e-6)


def test_spec_resnet_trains_on_random_crops_and_scores_whole_windows():
    # v1's recipe: each epoch sees a fresh random run of frames; scoring reads windows longer than the crops
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 100)
    x = rng.standard_normal((200, 60, 16, 1)).astype(np.float32) * 0.3
    x[:, :, 3:6, 0] += np.where(y == 1, 1.0, -1.0)[:, None, None]  # the class lives in three bins
    crops = random_crops(x, 24, np.random.default_rng(1))
    assert crops.shape == (200, 24, 16, 1)
    assert any(not np.array_equal(c, r[:24]) for c, r in zip(crops, x))  # not always the first frames
    assert random_crops(x, 100, np.random.default_rng(1)) is x  # shorter rows are kept whole
    model = fit_cnn(x, y, {"architecture": "spec_resnet", "epochs": 6, "batch": 32, "lr": 0.003,
                           "crop_frames": 24}, seed=1)
    p = score_cnn(model, x)
    assert p.shape == (200,) and ((p > 0.5) == y).mean() > 0.9
