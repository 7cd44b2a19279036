"""The Whisper tiny.en encoder as a Keras 3 model, weights read from the same pinned CTranslate2 file that
server.encoders.whisper runs: the trainable twin of the inference encoder, for fine-tuning (training.
speech_finetune) on any Keras backend (TensorFlow here, JAX on a GPU machine).

Same front end (server.encoders.whisper.log_mel), same architecture: two GELU convolutions (the second with
stride 2, padded one frame on each side as Whisper's PyTorch code does), sinusoidal positions, four
pre-norm transformer layers (6 heads, fused QKV, MLP 1536), a final LayerNorm. In float32 it matches the
CTranslate2 int8 frames to a cosine of about 0.99 (the int8 rounding; tests/encoders/test_whisper_keras.py).

The CTranslate2 model file is a flat list of named tensors (walked by server.encoders.whisper.ct2_variables,
which also cuts the encoder down for the served model)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .whisper import ARTIFACT, N_MELS, WIDTH, ct2_variables

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
LAYERS, HEADS, MLP = 4, 6, 1536


def read_ct2(path: str | Path, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """{name: array} of the variables whose name starts with `prefix` (float tensors as float32)."""
    data = memoryview(Path(path).read_bytes())
    out = {}
    for v in ct2_variables(data, str(path))[1]:
        if v.name.startswith(prefix):
            dtype = _DTYPES.get(v.dtype)
            if dtype is None:
                raise ValueError(f"{path}: {v.name} has a dtype this reader does not know")
            a = np.frombuffer(data[v.data], dtype).reshape(v.dims)
            out[v.name[len(prefix):]] = a.astype(np.float32) if a.dtype.kind == "f" else a.copy()
    return out


def weights(path: str | Path | None = None) -> dict[str, np.ndarray]:
    from .artifacts import ensure

    return read_ct2(Path(path or ensure(ARTIFACT)) / "model.bin")


def _block(w: dict, i: int, trainable: bool):
    """One pre-norm transformer layer as a Keras layer with the CT2 weights of layer i."""
    import keras
    from keras import ops

    p = f"layer_{i}/"

    class WhisperLayer(keras.layers.Layer):
        def build(self, _shape):
            def var(name, value):
                return self.add_weight(name=name, shape=value.shape, trainable=trainable,
                                       initializer=keras.initializers.Constant(value))
            sa, ff = p + "self_attention/", p + "ffn/"
            self.ln1 = (var("ln1_g", w[sa + "layer_norm/gamma"]), var("ln1_b", w[sa + "layer_norm/beta"]))
            self.qkv = (var("qkv_w", w[sa + "linear_0/weight"].T), var("qkv_b", w[sa + "linear_0/bias"]))
            self.out = (var("out_w", w[sa + "linear_1/weight"].T), var("out_b", w[sa + "linear_1/bias"]))
            self.ln2 = (var("ln2_g", w[ff + "layer_norm/gamma"]), var("ln2_b", w[ff + "layer_norm/beta"]))
            self.fc1 = (var("fc1_w", w[ff + "linear_0/weight"].T), var("fc1_b", w[ff + "linear_0/bias"]))
            self.fc2 = (var("fc2_w", w[ff + "linear_1/weight"].T), var("fc2_b", w[ff + "linear_1/bias"]))

        def call(self, x):
            b, t = ops.shape(x)[0], ops.shape(x)[1]
            q, k, v = ops.split(ops.matmul(_ln(x, *self.ln1), self.qkv[0]) + self.qkv[1], 3, axis=-1)
            heads = lambda z: ops.transpose(ops.reshape(z, (b, t, HEADS, WIDTH // HEADS)), (0, 2, 1, 3))  # noqa: E731
            att = ops.softmax(ops.matmul(heads(q), ops.transpose(heads(k), (0, 1, 3, 2))) / (WIDTH // HEADS) ** 0.5)
            ctx = ops.reshape(ops.transpose(ops.matmul(att, heads(v)), (0, 2, 1, 3)), (b, t, WIDTH))
            x = x + ops.matmul(ctx, self.out[0]) + self.out[1]
            h = ops.gelu(ops.matmul(_ln(x, *self.ln2), self.fc1[0]) + self.fc1[1], approximate=False)
            return x + ops.matmul(h, self.fc2[0]) + self.fc2[1]

    return WhisperLayer(name=f"whisper_layer_{i}")


def _ln(x, gamma, beta, eps: float = 1e-5):
    from keras import ops

    mean = ops.mean(x, axis=-1, keepdims=True)
    var = ops.mean(ops.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) / ops.sqrt(var + eps) * gamma + beta


def build_encoder(w: dict | None = None, frames: int = 400, layers: range | None = None, trainable: bool = False,
                  with_front: bool = True, final_norm: bool = True):
    """keras.Model: log-mel (frames, 80) -> (frames // 2, 384), or, with_front=False, the hidden states
    (frames // 2, 384) after the layers before `layers` -> after `layers` (fine-tuning only the top layers
    on cached inputs). `trainable` applies to the transformer layers built here."""
    import keras
    from keras import layers as L, ops

    w = weights() if w is None else w
    layers = range(LAYERS) if layers is None else layers
    t = frames // 2
    if with_front:
        inp = keras.Input((frames, N_MELS), name="log_mel")
        conv1 = L.Conv1D(WIDTH, 3, padding="same", trainable=False, name="conv1")
        conv2 = L.Conv1D(WIDTH, 3, strides=2, padding="valid", trainable=False, name="conv2")
        x = ops.gelu(conv1(inp), approximate=False)
        x = ops.gelu(conv2(L.ZeroPadding1D(1)(x)), approximate=False)
        x = x + w["position_encodings/encodings"][:t][None]
    else:
        inp = keras.Input((t, WIDTH), name="hidden")
        x = inp
    for i in layers:
        x = _block(w, i, trainable)(x)
    if final_norm:
        g = w["layer_norm/gamma"]
        norm = L.LayerNormalization(epsilon=1e-5, name="ln_post", trainable=trainable)
        x = norm(x)
        norm.set_weights([g, w["layer_norm/beta"]])
    model = keras.Model(inp, x, name="whisper_tiny_en_encoder")
    if with_front:
        conv1.set_weights([w["conv1/weight"].transpose(2, 1, 0), w["conv1/bias"]])
        conv2.set_weights([w["conv2/weight"].transpose(2, 1, 0), w["conv2/bias"]])
    return model
