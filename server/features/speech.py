"""Waveform (float32 mono 16 kHz) -> speech-encoder features of one 4 s window: the ONE feature function
of the speech detector v2, called by training (training.audio_data caches its output) and by serving
(server.detectors.audio_speech).

A window is fitted to exactly 4 s (first 4 s, or a shorter clip looped, the same for both classes),
brought to a fixed loudness (RMS -26 dBFS, peak kept below full scale: the level of a recording says
nothing about who made it, and the dataset's fakes happen to be louder than its reals), encoded by the
Whisper tiny.en encoder (server.encoders.whisper) into 200 frames x 384, and pooled over time into the mean
and standard deviation of the frames and the mean absolute value and standard deviation of their
frame-to-frame differences (4 x 384 = 1536 values; the differences add how smoothly the encoder state moves).
`encoder_layers: 2` in the spec takes the frames after the encoder's first 2 of its 4 layers: lower layers
keep more of the signal's texture that a model trained for transcription learns to drop (on the card's folds
they beat the last layer, and the last and a middle layer together), and the cut encoder costs half the
full one. When the spec names `spectral: lfcc20`, the fake/real head reads those 1536 values followed by
120 linear-frequency cepstral statistics of the same level-normalised window (server.features.lfcc: the
upper-band texture vocoders get wrong); the speech/non-speech gate reads the encoder statistics only. The
heads are small numpy models on those vectors, stored as npz in models/."""
from __future__ import annotations

import numpy as np

from .. import heads
from ..encoders import whisper
from . import lfcc
from .audio import fit_window, window_samples, window_starts  # noqa: F401  (windowing is shared)

RATE = 16000
SPEECH_SPEC = {"features": "whisper_tiny_en_stats4", "sr": RATE, "window_s": 4.0, "encoder": "whisper_tiny_en",
               "encoder_layers": 2, "level": "rms -26 dBFS", "spectral": "lfcc20"}
# the same features from the whole encoder (audio_speech 2.0-2.1 manifests; the card's comparison rows)
LAST_LAYER_SPEC = {k: v for k, v in SPEECH_SPEC.items() if k != "encoder_layers"}


def spec_at_depth(layers: int | None) -> dict:
    """SPEECH_SPEC reading the encoder cut to its first `layers` layers (None: the whole encoder)."""
    return LAST_LAYER_SPEC if layers is None else {**SPEECH_SPEC, "encoder_layers": layers}


DIM = 4 * whisper.WIDTH  # the encoder statistics (the gate's input)
SPECTRAL = {"lfcc20": lfcc.lfcc_stats}  # spec["spectral"] -> statistics of the prepared window


TARGET_RMS = 0.05  # -26 dBFS


def normalise_level(x: np.ndarray) -> np.ndarray:
    """Scale to TARGET_RMS without exceeding a 0.99 peak; digital silence stays silence."""
    x = np.asarray(x, np.float32)
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    peak = float(np.abs(x).max()) if x.size else 0.0
    if rms < 1e-6:
        return x
    return (x * min(TARGET_RMS / rms, 0.99 / peak)).astype(np.float32)


def prepared_window(wave: np.ndarray, spec: dict = SPEECH_SPEC) -> np.ndarray:
    """The window every feature of the spec reads: fitted to spec["window_s"], level-normalised."""
    if spec.get("features") != SPEECH_SPEC["features"]:
        raise ValueError(f"unknown speech features {spec.get('features')!r}")
    if spec.get("spectral") not in (None, *SPECTRAL):
        raise ValueError(f"unknown spectral features {spec.get('spectral')!r}")
    if spec.get("encoder_layers") not in (None, *range(1, whisper.LAYERS + 1)):
        raise ValueError(f"the speech encoder has layers 1-{whisper.LAYERS}, not {spec.get('encoder_layers')!r}")
    return normalise_level(fit_window(wave, window_samples(spec)))


def encoder_frames(wave: np.ndarray, spec: dict = SPEECH_SPEC) -> np.ndarray:
    """(200, 384) encoder frames of one window (fitted to spec["window_s"], level-normalised), from the
    encoder's first spec["encoder_layers"] layers (all of them when the spec does not say)."""
    return _frames(prepared_window(wave, spec), spec)


def _frames(x: np.ndarray, spec: dict) -> np.ndarray:
    return whisper.shared_encoder().frames(x, spec.get("encoder_layers"))


def _spectral(x: np.ndarray, spec: dict) -> np.ndarray:
    name = spec.get("spectral")
    return SPECTRAL[name](x) if name else np.zeros(0, np.float32)


def window_spectral(wave: np.ndarray, spec: dict = SPEECH_SPEC) -> np.ndarray:
    """The spectral statistics of one window ((0,) when the spec has none)."""
    return _spectral(prepared_window(wave, spec), spec)


def window_vectors(wave: np.ndarray, spec: dict = SPEECH_SPEC) -> tuple[np.ndarray, np.ndarray]:
    """(gate input (DIM,), fake/real head input) of one window: the encoder statistics, and the same
    followed by the window's spectral statistics (just the encoder statistics when the spec has none)."""
    gate_x, det_x = windows_vectors([wave], spec)
    return gate_x[0], det_x[0]


def windows_vectors(waves: list[np.ndarray], spec: dict = SPEECH_SPEC) -> tuple[np.ndarray, np.ndarray]:
    """window_vectors of several windows, stacked: (N, DIM) and (N, head input); the encoder runs on a few
    windows per call (server.encoders.whisper.frames_batch: the same frames as one window per call)."""
    xs = [prepared_window(w, spec) for w in waves]
    emb = _pooled(xs, spec)
    spectral = np.stack([_spectral(x, spec) for x in xs]).reshape(len(xs), -1)
    return emb, np.concatenate([emb, spectral], axis=1).astype(np.float32)


def _pooled(xs: list[np.ndarray], spec: dict) -> np.ndarray:
    """(N, DIM) encoder statistics of prepared windows, a few windows per encoder call."""
    frames = whisper.shared_encoder().frames_batch(xs, spec.get("encoder_layers"))
    return np.stack([pool(f) for f in frames]).reshape(len(xs), DIM)


def pool(frames: np.ndarray) -> np.ndarray:
    """(T, 384) -> (1536,) float32: mean and std over time of the frames and of their differences."""
    f = np.asarray(frames, np.float32)
    d = np.diff(f, axis=0)
    return np.concatenate([f.mean(axis=0), f.std(axis=0), np.abs(d).mean(axis=0), d.std(axis=0)]).astype(np.float32)


def window_embedding(wave: np.ndarray, spec: dict = SPEECH_SPEC) -> np.ndarray:
    """(1536,) pooled speech-encoder features of one ~4 s window."""
    return pool(encoder_frames(wave, spec))


def embed_windows(wave: np.ndarray, starts: list[int], spec: dict = SPEECH_SPEC) -> np.ndarray:
    """(len(starts), 1536): the windows beginning at `starts` (window_embedding of each, batched)."""
    win = window_samples(spec)
    return _pooled([prepared_window(wave[s:s + win], spec) for s in starts], spec)


def head_logit(model: dict, name: str, x: np.ndarray) -> np.ndarray:
    """Logit of the head stored under `name_*` in the npz model (server.heads: standardise, then linear or
    one hidden ReLU layer). Training scores its folds through this same function."""
    return heads.standardised_logit(x, model, prefix=f"{name}_")


def head_probability(model: dict, name: str, x: np.ndarray) -> np.ndarray:
    return heads.sigmoid(head_logit(model, name, x))
