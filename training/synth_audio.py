"""Copy-synthesis fakes made offline from REAL training clips (Griffin-Lim vocoding).

Each real clip is re-synthesised from its own magnitude spectrogram (linear STFT or mel), so the
fake says the same words with the same speaker and channel: the only difference a model can learn
from such a pair is the synthesis itself (phase incoherence, smeared harmonics, mel-inversion
blur), not speaker, content or recording history. Vocoded real speech as extra spoofed training
data improves generalisation to unseen generators (Wang & Yamagishi, ICASSP 2023).

A synthetic clip inherits the group of its source real, and only clips of a split's TRAINING reals
are ever used (training.recipes.audio), so nothing leaks into validation. The setting per clip is a
pure function of the clip's sha256, so any subset of the cache is reproducible on its own."""
from __future__ import annotations

import hashlib

import numpy as np

RATE = 16000

# name -> Griffin-Lim parameters. Several settings so the model does not learn one STFT grid.
SETTINGS = {
    "gl_lin512_32": {"kind": "linear", "n_fft": 512, "hop": 128, "n_iter": 32},
    "gl_lin1024_16": {"kind": "linear", "n_fft": 1024, "hop": 256, "n_iter": 16},
    "gl_mel80_32": {"kind": "mel", "n_fft": 1024, "hop": 256, "n_mels": 80, "n_iter": 32},
    "gl_mel128_8": {"kind": "mel", "n_fft": 1024, "hop": 256, "n_mels": 128, "n_iter": 8},
}


def setting_for(clip_sha: str, names: list[str]) -> str:
    """Deterministic choice of a setting from the clip's hash (independent of which clips are made)."""
    h = int(hashlib.sha256(clip_sha.encode()).hexdigest()[:8], 16)
    return names[h % len(names)]


def copy_synthesise(wave: np.ndarray, name: str, seed: int = 0) -> np.ndarray:
    """Griffin-Lim re-synthesis of `wave` under SETTINGS[name], RMS-matched to the source clip."""
    import librosa

    p = SETTINGS[name]
    w = np.asarray(wave, np.float32)
    rng = np.random.default_rng(seed)
    if p["kind"] == "linear":
        mag = np.abs(librosa.stft(w, n_fft=p["n_fft"], hop_length=p["hop"]))
        out = librosa.griffinlim(mag, n_iter=p["n_iter"], hop_length=p["hop"], n_fft=p["n_fft"],
                                 length=len(w), random_state=rng)
    else:
        mel = librosa.feature.melspectrogram(y=w, sr=RATE, n_fft=p["n_fft"], hop_length=p["hop"],
                                             n_mels=p["n_mels"])
        # pseudo-inverse of the mel filterbank (librosa's NNLS inversion is ~5x slower on this CPU)
        basis = librosa.filters.mel(sr=RATE, n_fft=p["n_fft"], n_mels=p["n_mels"])
        mag = np.sqrt(np.maximum(np.linalg.pinv(basis) @ mel, 0.0))
        out = librosa.griffinlim(mag, n_iter=p["n_iter"], hop_length=p["hop"], n_fft=p["n_fft"],
                                 length=len(w), random_state=rng)
    rms_in = np.sqrt(np.mean(w ** 2) + 1e-12)
    rms_out = np.sqrt(np.mean(out ** 2) + 1e-12)
    return np.clip(out * (rms_in / rms_out), -1, 1).astype(np.float32)


def make_batch(waves: list[np.ndarray], shas: list[str], names: list[str]) -> tuple[list[np.ndarray], list[str]]:
    """Copy-synthesise every clip with its hash-chosen setting; returns (waves, setting names)."""
    chosen = [setting_for(s, names) for s in shas]
    seeds = [int(hashlib.sha256(s.encode()).hexdigest()[8:16], 16) for s in shas]
    return [copy_synthesise(w, n, sd) for w, n, sd in zip(waves, chosen, seeds)], chosen
