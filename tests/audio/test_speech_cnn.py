"""The reference-recipe CNN comparison head (training.speech_cnn): it learns a separable problem through
the registered architecture, and its scores are probabilities of class 1 in input order."""
import numpy as np

from fakescope.training.speech_cnn import fit_cnn, score_cnn


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
