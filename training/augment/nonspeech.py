"""Generated NON-speech audio for the speech gate (speech / non-speech head): tones, chords, chirps,
white / pink / brown noise, hum, clicks, near-silence and music-like signals (harmonic notes on a beat,
with drum-like noise bursts). Every clip is a pure function of its index and seed; 4 s at 16 kHz."""
from __future__ import annotations

import numpy as np

RATE = 16000
KINDS = ("tone", "chord", "chirp", "noise", "hum", "clicks", "silence", "music", "drums")


def _coloured_noise(n: int, rng: np.random.Generator, slope: float) -> np.ndarray:
    """Noise with power ~ 1 / f**slope (0 white, 1 pink, 2 brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    spec /= np.maximum(np.arange(len(spec)), 1) ** (slope / 2)
    x = np.fft.irfft(spec, n)
    return x / (np.abs(x).max() + 1e-9)


def _note(t: np.ndarray, f0: float, rng: np.random.Generator, n_harm: int) -> np.ndarray:
    amps = rng.uniform(0.1, 1.0, n_harm) / np.arange(1, n_harm + 1)
    return sum(a * np.sin(2 * np.pi * f0 * (k + 1) * t + rng.uniform(0, 6.3)) for k, a in enumerate(amps))


def make(kind: str, rng: np.random.Generator, seconds: float = 4.0) -> np.ndarray:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    if kind == "tone":
        f = rng.uniform(60, 6000)
        vib = rng.uniform(0, 0.02) * np.sin(2 * np.pi * rng.uniform(3, 7) * t)
        x = np.sin(2 * np.pi * f * t * (1 + vib))
    elif kind == "chord":
        x = sum(_note(t, f, rng, int(rng.integers(1, 8))) for f in rng.uniform(100, 1200, int(rng.integers(2, 5))))
    elif kind == "chirp":
        f0, f1 = rng.uniform(50, 8000, 2)
        x = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * seconds)))
    elif kind == "noise":
        x = _coloured_noise(n, rng, float(rng.choice([0.0, 1.0, 2.0])))
    elif kind == "hum":
        base = float(rng.choice([50.0, 60.0]))
        x = _note(t, base, rng, 12) + 0.1 * _coloured_noise(n, rng, 1.0)
    elif kind == "clicks":
        x = np.zeros(n)
        x[rng.integers(0, n, int(rng.integers(5, 60)))] = rng.uniform(-1, 1)
        x = np.convolve(x, np.exp(-np.arange(200) / 30.0), mode="same")
    elif kind == "silence":
        x = _coloured_noise(n, rng, 1.0) * 10 ** (rng.uniform(-70, -45) / 20)
        return x.astype(np.float32)
    elif kind == "music":
        x = np.zeros(n)
        beat = rng.uniform(0.2, 0.6)
        scale = 110 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16]) / 12) * rng.choice([1, 2, 4])
        for s in np.arange(0, seconds, beat):
            a, b = int(s * RATE), min(n, int((s + beat * rng.uniform(1, 2)) * RATE))
            tt = t[a:b] - s
            env = np.exp(-tt * rng.uniform(1, 8))
            x[a:b] += env * _note(tt, float(rng.choice(scale)), rng, int(rng.integers(2, 10)))
        x += 0.3 * make("drums", rng, seconds) * (rng.random() < 0.5)
    elif kind == "drums":
        x = np.zeros(n)
        beat = rng.uniform(0.25, 0.6)
        for s in np.arange(0, seconds, beat):
            a = int(s * RATE)
            m = min(n - a, 3000)
            hit = _coloured_noise(m, rng, float(rng.choice([0.0, 2.0]))) * np.exp(-np.arange(m) / rng.uniform(200, 1500))
            x[a:a + m] += hit
    else:
        raise ValueError(f"unknown non-speech kind {kind!r}")
    x = x / (np.abs(x).max() + 1e-9) * 10 ** (rng.uniform(-30, -3) / 20)
    return x.astype(np.float32)


def non_speech_set(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """n clips cycling through KINDS (so every kind is present), deterministic in (n, seed)."""
    rng = np.random.default_rng(seed)
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    return [make(k, rng) for k in kinds], kinds
