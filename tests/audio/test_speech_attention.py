"""The frame-level comparison head learns a cue that lives in a few frames only."""
import numpy as np

from fakescope.training.evaluation import metrics
from fakescope.training.audio.heads.comparison import fit_attention, score_attention


def _frames(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 20, 8)).astype(np.float32)
    y = rng.integers(0, 2, n)
    at = rng.integers(0, 20, n)
    x[np.arange(n), at, 3] += np.where(y == 1, 6.0, 0.0)  # a fake shows one odd frame, anywhere in time
    return x, y


def test_attention_head_finds_a_short_cue_and_generalises():
    x, y = _frames(1200, 0)
    model = fit_attention(x, y, {"width": 8, "epochs": 20, "batch": 64, "dropout": 0.0}, seed=0)
    xt, yt = _frames(400, 1)
    assert metrics.roc_auc(yt, score_attention(model, xt)) > 0.85
