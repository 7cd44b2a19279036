"""Comparison heads of the speech card (nothing here ships): they are measured on the same folds as the
shipped logistic head.

Attention head. A head on the speech encoder's frames instead of their statistics: the issue's "1-D conv or attention
pooling over time", measured on the same folds as the logistic head (a row of the audio card).

frames (T, 384) -> LayerNorm -> Dense(width, GELU) -> Conv1D(width, 3, GELU) -> [attention-pooled,
mean, std over time] -> dropout -> logit. The encoder stays frozen (no GPU was lent; its frames are cached),
so this tests whether *how* the frames are pooled, not the encoder, limits the linear head.
Rows are class-balanced (and quality-balanced when weights are given) like the logistic head.

CNN heads. The reference recipes' CNNs (training.architectures.audio) as comparison heads on the same folds as the
shipped head: trained from scratch per fold on cached front-end features, class-balanced (and quality-
balanced when weights are given) like every other head. A comparison row only: nothing here ships.

hcfg: {"kind": "cnn", "architecture": "mfcc_cnn1d", "epochs", "batch", "lr", optional "crop_frames"};
x is (N, ...) features, given a trailing channel axis when the architecture wants one. With "crop_frames"
(v1's recipe: spec_resnet on (frames, bins, 1) log-power) every epoch trains on a fresh random crop of that
many frames of each row, and scoring reads the whole window (the model pools over any length)."""
from __future__ import annotations

import numpy as np

from fakescope.server import heads

from fakescope.training.audio.heads.balancing import class_balanced


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


def _inputs(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x[..., None] if x.ndim in (2, 3) else x  # (N, 40) -> (N, 40, 1); (N, F, T) -> (N, F, T, 1)


def fit_cnn(x: np.ndarray, y: np.ndarray, hcfg: dict, seed: int = 0, weights=None):
    import keras

    from fakescope.training.architectures import build

    keras.utils.set_random_seed(seed)
    xi = _inputs(x)
    crop = hcfg.get("crop_frames")
    shape = (None, *xi.shape[2:]) if crop else xi.shape[1:]
    model = build(hcfg["architecture"], input_shape=shape)
    model.compile(optimizer=keras.optimizers.Adam(hcfg.get("lr", 1e-3)), loss="binary_crossentropy")
    w = class_balanced(y, weights).astype(np.float32)
    y = np.asarray(y, np.float32)
    fit = dict(sample_weight=w, batch_size=hcfg.get("batch", 32), shuffle=True, verbose=0)
    if not crop:
        model.fit(xi, y, epochs=hcfg.get("epochs", 20), **fit)
        return model
    rng = np.random.default_rng(seed)
    for _ in range(hcfg.get("epochs", 20)):  # fresh crops each epoch; the optimiser state carries over
        model.fit(random_crops(xi, crop, rng), y, epochs=1, **fit)
    return model


def random_crops(x: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """(N, T, ...) -> (N, frames, ...): a random run of `frames` frames of each row (all of it when shorter)."""
    if x.shape[1] <= frames:
        return x
    starts = rng.integers(0, x.shape[1] - frames + 1, size=len(x))
    return np.stack([row[s: s + frames] for row, s in zip(x, starts)])


def score_cnn(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(_inputs(x), batch_size=128, verbose=0), np.float64).reshape(-1)
