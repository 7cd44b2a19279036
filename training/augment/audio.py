"""Web-like audio degradations, applied identically to real and fake clips (the recipe is drawn
without looking at the label, so every degradation occurs with the same probability in both classes,
and a fake is as likely to stay pristine as a real).

Codec round trips run through ffmpeg (the imageio-ffmpeg binary) on MANY clips per call: clips are
concatenated with short silences, encoded and decoded once, and cut back apart. One ffmpeg process per
clip would cost minutes on a 2-core CPU; the batch costs seconds. The decoder's alignment is found by
cross-correlation, so codec priming/delay does not shift the cuts."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from fakescope.server.media.decode import ffmpeg_exe

RATE = 16000
# (name, ffmpeg codec args, container suffix)
CODECS = {
    "mp3": (["-c:a", "libmp3lame"], ".mp3"),
    "opus": (["-c:a", "libopus"], ".ogg"),
    "aac": (["-c:a", "aac"], ".m4a"),
    "amr": (["-c:a", "libopencore_amrnb"], ".amr"),   # mobile-phone narrow band (8 kHz)
}
_CODEC_RATE = {"opus": 48000, "amr": 8000}  # encoders that only take some sample rates
_GAP = 4000  # 0.25 s of silence between clips so codec frames do not smear one clip into the next


def lowpass(wave: np.ndarray, cutoff_hz: float, sr: int = RATE) -> np.ndarray:
    """Zero-phase 8th-order Butterworth low-pass (band-limiting like a narrow-band upload)."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(8, cutoff_hz, btype="low", fs=sr, output="sos")
    return sosfiltfilt(sos, wave).astype(np.float32)


def telephone(wave: np.ndarray, sr: int = RATE) -> np.ndarray:
    """16 -> 8 -> 16 kHz resampling chain (the 8 kHz telephone band)."""
    import librosa

    low = librosa.resample(np.asarray(wave, np.float32), orig_sr=sr, target_sr=8000, res_type="soxr_hq")
    return librosa.resample(low, orig_sr=8000, target_sr=sr, res_type="soxr_hq")[: len(wave)].astype(np.float32)


def add_noise(wave: np.ndarray, snr_db: float, rng: np.random.Generator, pink: bool = False) -> np.ndarray:
    """Additive white (or pink) noise at `snr_db` relative to the clip's RMS."""
    wave = np.asarray(wave, np.float32)
    noise = rng.standard_normal(len(wave))
    if pink:  # 1/f shaping in the frequency domain
        spec = np.fft.rfft(noise)
        spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1))
        noise = np.fft.irfft(spec, n=len(wave))
    rms = np.sqrt(np.mean(wave ** 2) + 1e-12)
    noise *= rms / (np.sqrt(np.mean(noise ** 2)) + 1e-12) * 10 ** (-snr_db / 20)
    return np.clip(wave + noise, -1, 1).astype(np.float32)


def gain(wave: np.ndarray, db: float) -> np.ndarray:
    return np.clip(np.asarray(wave, np.float32) * 10 ** (db / 20), -1, 1).astype(np.float32)


def random_crop(wave: np.ndarray, rng: np.random.Generator, min_s: float = 2.0) -> np.ndarray:
    """A random contiguous part of at least min_s seconds (the feature step loops it to 4 s)."""
    n = len(wave)
    m = int(min_s * RATE)
    if n <= m:
        return wave
    length = int(rng.integers(m, n + 1))
    start = int(rng.integers(0, n - length + 1))
    return wave[start:start + length]


def codec_roundtrip(waves: list[np.ndarray], codec: str, bitrate_k: int, sr: int = RATE,
                    encode_rate: int | None = None) -> list[np.ndarray]:
    """Encode all `waves` with `codec` at `bitrate_k` kb/s in one ffmpeg call and decode back to
    float32 mono at `sr`; returns clips of the original lengths. `encode_rate`: the sample rate the encoder
    reads (the clips resampled to it first, e.g. MP3 at 24 kHz as web TTS demos ship it); default the
    codec's own rate, else `sr`."""
    if not waves:
        return []
    args, suffix = CODECS[codec]
    gap = np.zeros(_GAP, np.float32)
    parts, offsets, pos = [gap], [], _GAP
    for w in waves:
        offsets.append(pos)
        parts += [np.asarray(w, np.float32), gap]
        pos += len(w) + _GAP
    joined = np.concatenate(parts)
    ff = ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="fs_codec_") as tmp:
        enc = Path(tmp) / f"x{suffix}"
        src_rate = encode_rate or _CODEC_RATE.get(codec, sr)
        cmd = [ff, "-nostdin", "-v", "error", "-f", "f32le", "-ar", str(sr), "-ac", "1", "-i", "-",
               "-ar", str(src_rate), *args, "-b:a", f"{int(bitrate_k * 1000)}", str(enc)]
        subprocess.run(cmd, input=joined.tobytes(), check=True, capture_output=True, timeout=600)
        out = subprocess.run([ff, "-nostdin", "-v", "error", "-i", str(enc), "-ac", "1", "-ar", str(sr),
                              "-f", "f32le", "-"], check=True, capture_output=True, timeout=600).stdout
    dec = np.frombuffer(out, dtype="<f4")
    shift = _delay(joined, dec)
    res = []
    for off, w in zip(offsets, waves):
        s = off + shift
        seg = dec[max(s, 0): max(s, 0) + len(w)]
        if len(seg) < len(w):
            seg = np.pad(seg, (0, len(w) - len(seg)))
        res.append(np.clip(seg, -1, 1).astype(np.float32))
    return res


def _delay(ref: np.ndarray, dec: np.ndarray, max_lag: int = 4000) -> int:
    """Samples by which `dec` lags `ref` (codec priming), from cross-correlation of the first seconds."""
    n = min(len(ref), len(dec), 5 * RATE)
    a, b = ref[:n].astype(np.float64), dec[: n + max_lag].astype(np.float64)
    lags = np.arange(-min(max_lag, n // 4), max_lag)
    best, best_lag = -np.inf, 0
    spec_len = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    xc = np.fft.irfft(np.fft.rfft(b, spec_len) * np.conj(np.fft.rfft(a, spec_len)), spec_len)
    for lag in lags:
        v = xc[lag % spec_len]
        if v > best:
            best, best_lag = v, int(lag)
    return best_lag


def reverb(wave: np.ndarray, rt60_s: float, wet: float, rng: np.random.Generator, sr: int = RATE) -> np.ndarray:
    """Synthetic room: exponentially decaying noise impulse response (RT60 `rt60_s`), mixed `wet`
    against the dry signal, level kept."""
    from scipy.signal import fftconvolve

    w = np.asarray(wave, np.float32)
    n = int(rt60_s * sr)
    t = np.arange(n) / sr
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60_s)
    ir[0] = 1.0
    ir /= np.sqrt(np.sum(ir ** 2))
    y = fftconvolve(w, ir)[: len(w)]
    out = (1 - wet) * w + wet * y
    rms_in, rms_out = np.sqrt(np.mean(w ** 2) + 1e-12), np.sqrt(np.mean(out ** 2) + 1e-12)
    return np.clip(out * rms_in / rms_out, -1, 1).astype(np.float32)


def clip_distort(wave: np.ndarray, drive_db: float) -> np.ndarray:
    """Overdriven input: `drive_db` of gain, hard-clipped at full scale (cheap recorders, loud calls)."""
    return np.clip(np.asarray(wave, np.float32) * 10 ** (drive_db / 20), -1, 1).astype(np.float32)


def phone_band(wave: np.ndarray, sr: int = RATE) -> np.ndarray:
    """300-3400 Hz band-pass followed by the 8 kHz resampling chain (a telephone line)."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [300.0, 3400.0], btype="band", fs=sr, output="sos")
    return telephone(sosfiltfilt(sos, np.asarray(wave, np.float64)).astype(np.float32), sr)


def add_babble(wave: np.ndarray, snr_db: float, others: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Background talkers: 3-5 other clips summed, looped to length, at `snr_db` below the clip."""
    w = np.asarray(wave, np.float32)
    k = int(rng.integers(3, 6))
    bab = np.zeros(len(w), np.float64)
    for j in rng.choice(len(others), size=min(k, len(others)), replace=False):
        o = np.asarray(others[j], np.float64)
        if len(o) == 0:
            continue
        o = np.tile(o, int(np.ceil(len(w) / len(o))))[: len(w)]
        bab += o / (np.sqrt(np.mean(o ** 2)) + 1e-9)
    rms = np.sqrt(np.mean(w ** 2) + 1e-12)
    bab *= rms / (np.sqrt(np.mean(bab ** 2)) + 1e-12) * 10 ** (-snr_db / 20)
    return np.clip(w + bab, -1, 1).astype(np.float32)


CODEC_CHOICES = (["none", "mp3", "opus", "aac", "amr"], [0.35, 0.25, 0.15, 0.15, 0.10])
BITRATES = {"mp3": [32, 48, 64, 96, 128], "opus": [12, 16, 24, 32], "aac": [48, 64, 96, 128], "amr": [7.4, 12.2]}


def random_chain(rng: np.random.Generator) -> dict:
    """Draw one degradation recipe (never looks at the label). A quarter of recipes are pristine apart
    from crop and gain; the codec step is applied in batches afterwards, the rest per clip."""
    r = {"crop": bool(rng.random() < 0.5), "gain_db": float(rng.uniform(-12, 6)), "pristine": bool(rng.random() < 0.25),
         "drive_db": None, "reverb": None, "band": None, "codec": None, "noise": None}
    if r["pristine"]:
        return r
    if rng.random() < 0.1:
        r["drive_db"] = float(rng.uniform(6, 15))
    if rng.random() < 0.25:
        r["reverb"] = (float(rng.uniform(0.15, 0.8)), float(rng.uniform(0.2, 0.8)))
    u = rng.random()
    r["band"] = ("phone", None) if u < 0.15 else (("lowpass", float(rng.uniform(4000, 7500))) if u < 0.35 else None)
    codec = str(rng.choice(CODEC_CHOICES[0], p=CODEC_CHOICES[1]))
    r["codec"] = None if codec == "none" else (codec, float(rng.choice(BITRATES[codec])))
    if rng.random() < 0.45:
        r["noise"] = (str(rng.choice(["white", "pink", "babble"])), float(rng.uniform(5, 30)))
    return r


def apply_chain(wave: np.ndarray, recipe: dict, rng: np.random.Generator) -> np.ndarray:
    """Per-clip (non-codec) steps of a recipe: crop, gain / overdrive, reverb, band limit."""
    w = np.asarray(wave, np.float32)
    if recipe["crop"]:
        w = random_crop(w, rng)
    w = gain(w, recipe["gain_db"])
    if recipe["drive_db"]:
        w = clip_distort(w, recipe["drive_db"])
    if recipe["reverb"]:
        w = reverb(w, *recipe["reverb"], rng)
    if recipe["band"]:
        w = phone_band(w) if recipe["band"][0] == "phone" else lowpass(w, recipe["band"][1])
    return w


def augment_batch(waves: list[np.ndarray], seed: int, babble_pool: list[np.ndarray] | None = None
                  ) -> tuple[list[np.ndarray], list[dict]]:
    """Degrade every clip with its own random recipe: per-clip steps, then codec round trips grouped by
    (codec, bitrate), then noise last (a noisy recording that was then uploaded would be coded after the
    noise, but noise before a low-bitrate codec is partly coded away and teaches less). Babble comes from
    `babble_pool` (real clips; default: the batch itself)."""
    rng = np.random.default_rng(seed)
    recipes = [random_chain(rng) for _ in waves]
    out = [apply_chain(w, r, rng) for w, r in zip(waves, recipes)]
    by_codec: dict = {}
    for i, r in enumerate(recipes):
        if r["codec"]:
            by_codec.setdefault(tuple(r["codec"]), []).append(i)
    for (codec, br), idx in sorted(by_codec.items()):
        for i, w in zip(idx, codec_roundtrip([out[i] for i in idx], codec, br)):
            out[i] = w
    pool = babble_pool if babble_pool else waves
    for i, r in enumerate(recipes):
        if r["noise"]:
            kind, snr = r["noise"]
            out[i] = add_babble(out[i], snr, pool, rng) if kind == "babble" else add_noise(out[i], snr, rng, kind == "pink")
    return out, recipes
