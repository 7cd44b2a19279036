"""RawBoost-style perturbation (after Tak et al., ICASSP 2022, "RawBoost: a raw data boosting and augmentation
method applied to automatic speaker verification anti-spoofing"), written from the paper's description:
(1) linear and non-linear convolutive noise, (2) impulsive signal-dependent additive noise, (3) stationary
signal-independent (coloured) additive noise, applied in series. Every draw comes from the rng the caller
passes, never from the audio or its label, so both classes see the same distribution."""
from __future__ import annotations

import numpy as np

from fakescope.training.augment.audio import RATE

RAWBOOST_STEPS = ("convolutive", "impulsive", "stationary")


def random_multiband_fir(rng: np.random.Generator, sr: int = RATE, bands: tuple[int, int] = (1, 5),
                         f_hz: tuple[float, float] = (20.0, 8000.0), bw_hz: tuple[float, float] = (100.0, 1000.0),
                         taps: tuple[int, int] = (11, 101)) -> np.ndarray:
    """A random linear-phase FIR with 1-5 notches or peaks: each band has a random centre (`f_hz`, below
    Nyquist), width (`bw_hz`) and depth (a notch down to -20 dB or a peak up to +10 dB, raised-cosine
    shaped); an odd random number of taps in `taps` (few taps = broad, smeared bands)."""
    from scipy.signal import firwin2

    nyq = sr / 2
    freq = np.linspace(0.0, nyq, 513)
    mag = np.ones_like(freq)
    for _ in range(int(rng.integers(bands[0], bands[1] + 1))):
        fc = rng.uniform(f_hz[0], min(f_hz[1], nyq - 1.0))
        bw = rng.uniform(*bw_hz)
        depth_db = rng.uniform(-20.0, -3.0) if rng.random() < 0.5 else rng.uniform(3.0, 10.0)
        inside = np.abs(freq - fc) < bw / 2
        shape = 0.5 * (1 + np.cos(2 * np.pi * (freq[inside] - fc) / bw))  # 1 at the centre, 0 at the edges
        mag[inside] *= 10 ** (depth_db * shape / 20)
    n = int(rng.integers(taps[0] // 2, taps[1] // 2 + 1)) * 2 + 1
    return firwin2(n, freq, mag, fs=sr)


def _fir(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Linear-phase FIR filtering without its delay (the output aligned with the input)."""
    from scipy.signal import oaconvolve

    return oaconvolve(x, h, mode="same")


def _level_as(y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return y * np.sqrt(np.mean(ref ** 2) + 1e-12) / np.sqrt(np.mean(y ** 2) + 1e-12)


def convolutive_noise(wave: np.ndarray, rng: np.random.Generator, sr: int = RATE, orders: int = 5,
                      bias_db: tuple[float, float] = (5.0, 20.0), gain_db: tuple[float, float] = (-3.0, 3.0)
                      ) -> np.ndarray:
    """RawBoost (1): y = sum_j g_j * (h_j conv x^j), j = 1..`orders`: the peak-normalised clip and its powers,
    each through its own random multi-band FIR, order j attenuated by a random `bias_db` per order above the
    first (so the non-linear terms stay below the linear one), a random gain per order; DC removed, level
    (RMS) kept."""
    x = np.asarray(wave, np.float64)
    peak = np.max(np.abs(x)) if len(x) else 0.0
    if peak <= 0:
        return np.asarray(wave, np.float32)
    xn = x / peak
    y = np.zeros_like(xn)
    atten = 0.0
    for j in range(1, orders + 1):
        if j > 1:
            atten += rng.uniform(*bias_db)
        g = 10 ** ((rng.uniform(*gain_db) - atten) / 20)
        y += g * _fir(xn ** j, random_multiband_fir(rng, sr))
    y -= y.mean()
    return np.clip(_level_as(y, x), -1, 1).astype(np.float32)


def impulsive_noise(wave: np.ndarray, rng: np.random.Generator, max_share: float = 0.10,
                    g_sd: float = 2.0) -> np.ndarray:
    """RawBoost (2): a random share (up to `max_share`) of the samples perturbed in proportion to the signal:
    x_t + g_sd * u_t * x_t, u_t uniform in [-1, 1] (clicks and crackle where the signal is loud, nothing in
    silence)."""
    x = np.asarray(wave, np.float64)
    share = rng.uniform(0.0, max_share)
    hit = rng.random(len(x)) < share
    u = rng.uniform(-1.0, 1.0, len(x))
    y = x + np.where(hit, g_sd * u * x, 0.0)
    return np.clip(y, -1, 1).astype(np.float32)


def stationary_noise(wave: np.ndarray, rng: np.random.Generator, sr: int = RATE,
                     snr_db: tuple[float, float] = (10.0, 40.0)) -> np.ndarray:
    """RawBoost (3): white noise coloured by a random multi-band FIR, added at a random SNR in `snr_db`
    (relative to the clip's power)."""
    x = np.asarray(wave, np.float64)
    noise = _fir(rng.standard_normal(len(x)), random_multiband_fir(rng, sr))
    snr = rng.uniform(*snr_db)
    noise *= np.sqrt(np.mean(x ** 2) + 1e-12) / (np.sqrt(np.mean(noise ** 2)) + 1e-12) * 10 ** (-snr / 20)
    return np.clip(x + noise, -1, 1).astype(np.float32)


def rawboost(wave: np.ndarray, rng: np.random.Generator, steps: tuple[str, ...] = RAWBOOST_STEPS,
             sr: int = RATE) -> np.ndarray:
    """RawBoost's steps in series (default all three: convolutive, impulsive, stationary); float32, the
    clip's length kept."""
    fns = {"convolutive": lambda w: convolutive_noise(w, rng, sr), "impulsive": lambda w: impulsive_noise(w, rng),
           "stationary": lambda w: stationary_noise(w, rng, sr)}
    w = np.asarray(wave, np.float32)
    for s in steps:
        w = fns[s](w)
    return w


def rawboost_batch(waves: list[np.ndarray], seed: int, steps: tuple[str, ...] = RAWBOOST_STEPS) -> list[np.ndarray]:
    """One RawBoost copy of every clip; clip i draws from its own generator (seed, i), so a clip's copy does
    not depend on the other clips of the batch."""
    return [rawboost(w, np.random.default_rng([seed, i]), steps) for i, w in enumerate(waves)]
