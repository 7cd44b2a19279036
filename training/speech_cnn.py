"""The reference recipes' CNNs (training.architectures.audio) as comparison heads on the same folds as the
shipped head: trained from scratch per fold on cached front-end features, class-balanced (and quality-
balanced when weights are given) like every other head. A comparison row only: nothing here ships.

hcfg: {"kind": "cnn", "architecture": "mfcc_cnn1d", "epochs", "batch", "lr"}; x is (N, ...) features,
given a trailing channel axis when the architecture wants one."""
from __future__ import annotations

import numpy as np

from .speech_heads import class_balanced


def _inputs(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x[..., None] if x.ndim in (2, 3) else x  # (N, 40) -> (N, 40, 1); (N, F, T) -> (N, F, T, 1)


def fit_cnn(x: np.ndarray, y: np.ndarray, hcfg: dict, seed: int = 0, weights=None):
    import keras

    from .architectures import build

    keras.utils.set_random_seed(seed)
    xi = _inputs(x)
    model = build(hcfg["architecture"], input_shape=xi.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(hcfg.get("lr", 1e-3)), loss="binary_crossentropy")
    w = class_balanced(y, weights).astype(np.float32)
    model.fit(xi, np.asarray(y, np.float32), sample_weight=w, epochs=hcfg.get("epochs", 20),
              batch_size=hcfg.get("batch", 32), shuffle=True, verbose=0)
    return model


def score_cnn(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(_inputs(x), batch_size=512, verbose=0), np.float64).reshape(-1)
