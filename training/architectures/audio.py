"""Audio architectures (built-in Keras layers only, so the .keras file loads without custom code).

- mfcc_cnn1d: reference baseline 1 - MFCC-40 time-mean as a 40-step sequence, Conv1D 64 and 128,
  dropout 0.3, dense 64, sigmoid.
- mel_cnn: reference baseline 2 - 128x128 log-mel image, Conv2D 32/64/128, dense 128, dropout 0.5.
- spec_resnet: the shipped model - compact residual CNN over the band-limited log-power spectrogram,
  global average + max pooling over time and frequency (so any window length/offset works)."""
from __future__ import annotations

from fakescope.training.architectures import register_architecture


def _keras():
    import keras

    return keras


@register_architecture("mfcc_cnn1d")
def mfcc_cnn1d(input_shape=(40, 1), dropout: float = 0.3):
    keras = _keras()
    L = keras.layers
    x_in = keras.Input(shape=tuple(input_shape), name="mfcc")
    x = L.Conv1D(64, 3, padding="same", activation="relu")(x_in)
    x = L.MaxPooling1D(2)(x)
    x = L.Conv1D(128, 3, padding="same", activation="relu")(x)
    x = L.MaxPooling1D(2)(x)
    x = L.Dropout(dropout)(x)
    x = L.Flatten()(x)
    x = L.Dense(64, activation="relu")(x)
    out = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return keras.Model(x_in, out, name="mfcc_cnn1d")


@register_architecture("mel_cnn")
def mel_cnn(input_shape=(128, 128, 1), dropout: float = 0.5):
    keras = _keras()
    L = keras.layers
    x_in = keras.Input(shape=tuple(input_shape), name="mel")
    x = x_in
    for f in (32, 64, 128):
        x = L.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = L.MaxPooling2D(2)(x)
    x = L.Flatten()(x)
    x = L.Dense(128, activation="relu")(x)
    x = L.Dropout(dropout)(x)
    out = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return keras.Model(x_in, out, name="mel_cnn")


def _res_block(x, filters: int, pool, L):
    """conv-BN-ReLU-conv-BN + 1x1 projection shortcut, then pooling."""
    y = L.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    y = L.BatchNormalization()(y)
    y = L.ReLU()(y)
    y = L.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = L.BatchNormalization()(y)
    s = L.Conv2D(filters, 1, padding="same", use_bias=False)(x)
    y = L.ReLU()(L.Add()([y, s]))
    return L.MaxPooling2D(pool)(y)


@register_architecture("spec_resnet")
def spec_resnet(input_shape=(None, 64, 1), filters=(16, 24, 32, 48), dropout: float = 0.3):
    """Input (frames, bins, 1); the frame axis may be any length."""
    keras = _keras()
    L = keras.layers
    x_in = keras.Input(shape=tuple(input_shape), name="logspec")
    x = L.Conv2D(filters[0], (5, 3), strides=(2, 1), padding="same", use_bias=False)(x_in)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    for f in filters[1:]:
        x = _res_block(x, f, (2, 2), L)
    x = L.Concatenate()([L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling2D()(x)])
    x = L.Dropout(dropout)(x)
    out = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return keras.Model(x_in, out, name="spec_resnet")
