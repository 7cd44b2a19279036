"""Image architectures, built-in Keras layers only (the shipped .keras files load without custom code).

face_cnn     compact CNN for 96 px face crops (from scratch; ~0.2 M parameters)
npr_cnn      AI-image model on the up-sampling residual x - up(down(x)) (NPR-style), computed inside the
             graph so training and serving cannot disagree on it
xception_ref the reference design, Xception-style at 128x128 on whole images (reduced depth for CPU)
"""
from __future__ import annotations

from fakescope.training.architectures import register_architecture


def _conv_bn(x, filters, stride=1, separable=False):
    from keras import layers

    conv = layers.SeparableConv2D if separable else layers.Conv2D
    x = conv(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def _head(x, dropout):
    from keras import layers

    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    return layers.Dense(1, activation="sigmoid", name="p_fake")(x)


@register_architecture("face_cnn")
def face_cnn(input_size: int = 96, widths=(16, 32, 48, 96, 128), dropout: float = 0.3):
    import keras
    from keras import layers

    inp = keras.Input((input_size, input_size, 3), name="face")
    x = layers.Rescaling(2.0, offset=-1.0)(inp)          # [0,1] -> [-1,1]
    x = _conv_bn(x, widths[0], stride=2)                  # 48 px: blending seams survive this scale
    x = _conv_bn(x, widths[1])
    x = layers.MaxPooling2D()(x)                           # 24
    x = _conv_bn(x, widths[2])
    x = _conv_bn(x, widths[2])
    x = layers.MaxPooling2D()(x)                           # 12
    x = _conv_bn(x, widths[3])
    x = _conv_bn(x, widths[3])
    x = layers.MaxPooling2D()(x)                           # 6
    x = _conv_bn(x, widths[4], separable=True)
    return keras.Model(inp, _head(x, dropout), name="face_cnn")


@register_architecture("npr_cnn")
def npr_cnn(input_size: int = 128, widths=(24, 32, 64, 96), dropout: float = 0.3):
    import keras
    from keras import layers

    inp = keras.Input((input_size, input_size, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0)(inp)
    # up-sampling residual: what a 2x nearest up-sampler cannot explain; generators leave periodic traces here
    up = layers.UpSampling2D(2, interpolation="nearest")(layers.AveragePooling2D(2)(x))
    r = layers.Subtract()([x, up])
    r = layers.Rescaling(4.0)(r)  # residuals are small; bring them to a unit-ish range
    x = _conv_bn(r, widths[0], stride=2)                   # 64: the residual is read at full resolution
    x = _conv_bn(x, widths[0])
    x = _conv_bn(x, widths[1])
    x = layers.MaxPooling2D()(x)                           # 32
    x = _conv_bn(x, widths[2])
    x = layers.MaxPooling2D()(x)                           # 16
    x = _conv_bn(x, widths[3], separable=True)
    x = layers.MaxPooling2D()(x)                           # 8
    return keras.Model(inp, _head(x, dropout), name="npr_cnn")


@register_architecture("xception_ref")
def xception_ref(input_size: int = 128, widths=(32, 64, 128, 256), dropout: float = 0.3):
    """Entry flow of Xception (separable convs + strided residual shortcuts), truncated for CPU training."""
    import keras
    from keras import layers

    inp = keras.Input((input_size, input_size, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0)(inp)
    x = _conv_bn(x, widths[0], stride=2)
    x = _conv_bn(x, widths[1])
    for f in widths[2:]:
        short = layers.Conv2D(f, 1, strides=2, padding="same", use_bias=False)(x)
        short = layers.BatchNormalization()(short)
        y = _conv_bn(x, f, separable=True)
        y = layers.SeparableConv2D(f, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        y = layers.MaxPooling2D(3, strides=2, padding="same")(y)
        x = layers.Add()([y, short])
    x = _conv_bn(x, widths[-1], separable=True)
    return keras.Model(inp, _head(x, dropout), name="xception_ref")
