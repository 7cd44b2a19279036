"""Waveform (float32 mono 16 kHz) helpers shared by the audio detector and training: window fitting and
placement, the energy gate (speech_mask), and the spectrogram front ends of v1 and of the reference
recipes (logspec, MFCC mean, mel image), kept for the baseline rows of the model card. The shipped v2
detector's features are the speech-encoder embeddings in server.features.speech."""
from __future__ import annotations

import numpy as np

RATE = 16000

LOGSPEC_SPEC = {"features": "logspec", "sr": RATE, "window_s": 4.0, "n_fft": 512, "win_length": 400,
                "hop": 160, "fmin_hz": 31.25, "fmax_hz": 4000.0, "pool": 2}
MFCC_SPEC = {"features": "mfcc_mean", "sr": RATE, "window_s": 4.0, "n_mfcc": 40}
MEL_SPEC = {"features": "mel128", "sr": RATE, "window_s": 4.0, "n_mels": 128, "frames": 128}

_FLOOR_DB = -100.0  # digital silence floor, so log(0) never occurs and zeros look like deep silence


def fit_window(wave: np.ndarray, n: int) -> np.ndarray:
    """Exactly n samples: longer input keeps its first n; shorter input is looped (tiled), which the
    dataset README asks for identically on both classes (zero padding would add digital silence)."""
    wave = np.asarray(wave, dtype=np.float32).ravel()
    if wave.size == 0:
        raise ValueError("empty waveform")
    if wave.size >= n:
        return wave[:n]
    reps = int(np.ceil(n / wave.size))
    return np.tile(wave, reps)[:n]


def window_samples(spec: dict) -> int:
    return int(round(spec["window_s"] * spec["sr"]))


def frame_signal(wave: np.ndarray, length: int, hop: int) -> np.ndarray:
    """(n, length) overlapping frames every `hop` samples (the last partial frame dropped)."""
    n = 1 + (len(wave) - length) // hop
    idx = np.arange(length)[None, :] + hop * np.arange(n)[:, None]
    return wave[idx]


def logspec(wave: np.ndarray, spec: dict = LOGSPEC_SPEC) -> np.ndarray:
    """(frames, bins, 1) float32: log power (dB) of the fmin..fmax band, adjacent bins averaged by
    `pool`, minus the clip's mean dB so a gain change does not move the features."""
    x = fit_window(wave, window_samples(spec)).astype(np.float64)
    fr = frame_signal(x, spec["win_length"], spec["hop"]) * np.hanning(spec["win_length"])[None, :]
    power = np.abs(np.fft.rfft(fr, n=spec["n_fft"], axis=1)) ** 2
    hz = spec["sr"] / spec["n_fft"]
    lo, hi = int(round(spec["fmin_hz"] / hz)), int(round(spec["fmax_hz"] / hz)) + 1  # fmax inclusive
    band = power[:, lo:hi]
    p = int(spec.get("pool", 1))
    band = band[:, : band.shape[1] // p * p].reshape(band.shape[0], -1, p).mean(axis=2)
    db = np.maximum(10.0 * np.log10(band + 1e-12), _FLOOR_DB)
    db = (db - db.mean()) / 20.0  # 20 dB -> 1.0 keeps values in a CNN-friendly range
    return db.astype(np.float32)[..., None]


def mfcc_mean(wave: np.ndarray, spec: dict = MFCC_SPEC) -> np.ndarray:
    """(n_mfcc, 1): time-averaged MFCCs of the window (the project's first reference recipe)."""
    import librosa

    x = fit_window(wave, window_samples(spec))
    m = librosa.feature.mfcc(y=x, sr=spec["sr"], n_mfcc=spec["n_mfcc"])
    return m.mean(axis=1).astype(np.float32)[:, None] / 100.0


def mel128(wave: np.ndarray, spec: dict = MEL_SPEC) -> np.ndarray:
    """(n_mels, frames, 1): full-band log-mel image (the second reference recipe), clip-mean removed."""
    import librosa

    x = fit_window(wave, window_samples(spec))
    hop = len(x) // spec["frames"]
    m = librosa.feature.melspectrogram(y=x, sr=spec["sr"], n_fft=1024, hop_length=hop, n_mels=spec["n_mels"])
    db = librosa.power_to_db(m, ref=1.0, top_db=None)[:, : spec["frames"]]
    db = np.maximum(db, _FLOOR_DB)
    return ((db - db.mean()) / 20.0).astype(np.float32)[..., None]


EXTRACTORS = {"logspec": logspec, "mfcc_mean": mfcc_mean, "mel128": mel128}


def extract(wave: np.ndarray, spec: dict) -> np.ndarray:
    """Model input for one window under `spec` (the dict stored in the manifest's input spec)."""
    try:
        fn = EXTRACTORS[spec["features"]]
    except KeyError as exc:
        raise ValueError(f"unknown audio features {spec.get('features')!r}") from exc
    return fn(wave, spec)


def speech_mask(wave: np.ndarray, sr: int = RATE, frame_s: float = 0.025, hop_s: float = 0.010,
                rel_db: float = -35.0, abs_db: float = -55.0) -> np.ndarray:
    """Energy gate: True for 10 ms frames whose level is within `rel_db` of the loudest frame (95th
    percentile, so one click does not set the reference) and above `abs_db` dBFS."""
    wave = np.asarray(wave, dtype=np.float32).ravel()
    flen, hop = int(frame_s * sr), int(hop_s * sr)
    if wave.size < flen:
        return np.zeros(0, bool)
    fr = frame_signal(wave.astype(np.float64), flen, hop)
    db = 10.0 * np.log10(np.mean(fr ** 2, axis=1) + 1e-12)
    ref = np.percentile(db, 95)
    return (db > ref + rel_db) & (db > abs_db)


def speech_seconds(wave: np.ndarray, sr: int = RATE) -> float:
    return float(speech_mask(wave, sr).sum() * 0.010)


def window_starts(n_samples: int, spec: dict, hop_s: float) -> list[int]:
    """Start samples of ~window_s windows every hop_s, the last one aligned to the end so the tail is
    scored too. Audio shorter than one window gives one (looped) window at 0."""
    win, hop = window_samples(spec), int(round(hop_s * spec["sr"]))
    if n_samples <= win:
        return [0]
    starts = list(range(0, n_samples - win + 1, hop))
    if starts[-1] + win < n_samples:
        starts.append(n_samples - win)
    return starts


def batch(wave: np.ndarray, starts: list[int], spec: dict) -> np.ndarray:
    """Stack the features of the windows beginning at `starts` into one model batch."""
    win = window_samples(spec)
    return np.stack([extract(wave[s:s + win], spec) for s in starts])
