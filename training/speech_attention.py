"""A head on the speech encoder's frames instead of their statistics: the issue's "1-D conv or attention
pooling over time", measured on the same folds as the logistic head (a row of the audio card).

frames (T, 384) -> LayerNorm -> Dense(width, GELU) -> Conv1D(width, 3, GELU) -> [attention-pooled,
mean, std over time] -> dropout -> logit. The encoder stays frozen (no GPU was lent; its frames are cached),
so this tests whether *how* the frames are pooled, not the encoder, limits the linear head.
Rows are class-balanced (and quality-balanced when weights are given) like the logistic head."""
from __future__ import annotations

import numpy as np

from fakescope.server import heads

from .speech_heads import class_balanced


def build(frames: int, dim: int, width: int = 48, dropout: float = 0.3, seed: int = 0):
    import keras
    from keras import layers, ops

    keras.utils.set_random_seed(seed)
    inp = keras.Input((frames, dim))
    x = layers.LayerNormalization()(inp)
    x = layers.Dense(width, activation="gelu")(x)
    x = layers.Conv1D(width, 3, padding="same", activation="gelu")(x)
    att = layers.Softmax(axis=1)(layers.Dense(1)(x))               # (B, T, 1) weights over time
    pooled = ops.sum(att * x, axis=1)
    mean = ops.mean(x, axis=1)
    std = ops.sqrt(ops.var(x, axis=1) + 1e-6)
    h = layers.Dropout(dropout)(layers.Concatenate()([pooled, mean, std]))
    out = layers.Dense(1)(h)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def fit_attention(x: np.ndarray, y: np.ndarray, hcfg: dict, seed: int = 0, weights=None):
    """Train on (N, T, D) frames; returns the Keras model (kept in memory: a comparison row only)."""
    y = np.asarray(y).astype(np.float32)
    w = class_balanced(y, weights)
    model = build(x.shape[1], x.shape[2], hcfg.get("width", 48), hcfg.get("dropout", 0.3), seed)
    model.fit(np.asarray(x, np.float32), y, sample_weight=w.astype(np.float32), epochs=hcfg.get("epochs", 6),
              batch_size=hcfg.get("batch", 256), shuffle=True, verbose=0)
    return model


def score_attention(model, x: np.ndarray) -> np.ndarray:
    return heads.sigmoid(np.asarray(model.predict(np.asarray(x, np.float32), batch_size=512, verbose=0)).reshape(-1))
