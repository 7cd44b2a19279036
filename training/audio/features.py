"""Features of the speech model, by kind: statistics of the Whisper encoder (whole, or cut to its first K
layers), LFCC / MFCC statistics, encoder frames, and the spectrogram front ends of the CNN comparison rows;
each cached per clip set and variant (AudioData.per_clip). Every feature goes through the serving
functions (server.features.speech, server.features.audio), so training and serving share one path.

Recording-quality statistics of a clip (bandwidth, high-band energy, an SNR estimate, spectral flatness,
clipping, level, length) are here too: they must not tell real from fake, so they are the model's file
statistics for the shared shortcut check (statistics()) and what the quality-balancing weights
(training.audio.heads.balancing) and the quality invariant (training.audio.studies.degradation) read."""
from __future__ import annotations

import numpy as np

from fakescope.server.features import audio as audio_feats
from fakescope.server.features import speech
from fakescope.training.augment import audio as aug
from fakescope.training.cache import cached, key_of
from fakescope.training.audio.data import AudioData

RATE = 16000
QUALITY_NAMES = ("rolloff95_hz", "share_above_4k", "share_above_7k", "snr_db", "flatness", "clipped", "level_db",
                 "seconds")
FEATURE_VERSION = "whisper-stats4-level-v1"
FRAMES_TAG = FEATURE_VERSION + "-frames-half"
# Spectrogram front ends of the CNN comparison rows (front_end), by feature kind.
FRONT_ENDS = {"logspec": audio_feats.LOGSPEC_SPEC, "mel128": audio_feats.MEL_SPEC}


def embeddings(data: AudioData, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, 1536) float32 speech-encoder embeddings of variant k (server.features.speech: pool of the
    encoder frames, exactly window_embedding). The frames of a part computed here are kept too
    (frames()), so the encoder runs once per clip for both."""
    side: list[np.ndarray] = []

    def fn(x):
        f = speech.encoder_frames(x, speech.LAST_LAYER_SPEC)
        side.append(half_frames(f))
        return speech.pool(f)

    def keep_frames(part):
        if side:
            cached("audio_frames", data._part_key(part, k, aug_seed, FRAMES_TAG),
                   lambda: np.stack(side).astype(np.float16))
            side.clear()

    return data.per_clip("audio_embeddings", FEATURE_VERSION, k, aug_seed, fn, log, on_part=keep_frames)

def frames(data: AudioData, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, 100, 384) float16 speech-encoder frames of variant k, pairs of frames averaged (the input
    of the frame-level comparison head, training.audio.heads.comparison)."""
    return data.per_clip("audio_frames", FRAMES_TAG, k, aug_seed,
                          lambda x: half_frames(speech.encoder_frames(x, speech.LAST_LAYER_SPEC)), log, dtype=np.float16)

def spectral(data: AudioData, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, 120) LFCC statistics of variant k (server.features.speech.window_spectral: the same window,
    level-normalised, that the encoder reads)."""
    return data.per_clip("audio_lfcc", "lfcc20-v1", k, aug_seed, speech.window_spectral, log)

def cut_embeddings(data: AudioData, layers: int, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, 1536) statistics of variant k from the encoder cut to its first `layers` layers
    (server.features.speech.window_embedding with that spec: the serving function)."""
    spec = speech.spec_at_depth(layers)
    return data.per_clip(f"audio_first{layers}", f"whisper-first{layers}-v1", k, aug_seed,
                         lambda x: speech.window_embedding(x, spec), log)

def front_end(data: AudioData, kind: str, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, ...) float16 spectrogram images of variant k from server.features.audio (kind "logspec": v1's
    log-power 31 Hz-4 kHz, (398, 64, 1); "mel128": the reference recipe's log-mel, (128, 128, 1)): the
    inputs of the CNN comparison rows, training.audio.heads.comparison."""
    spec = FRONT_ENDS[kind]
    return data.per_clip(f"audio_{kind}", f"{kind}-v1", k, aug_seed, lambda x: audio_feats.extract(x, spec),
                         log, dtype=np.float16)

def baseline_features(data: AudioData, k: int, aug_seed: int, log=print) -> np.ndarray:
    """(N, 40) MFCC-40 means (the reference recipe's front end, server.features.audio.mfcc_mean)."""
    return data.per_clip("audio_mfcc", "mfcc40", k, aug_seed, lambda x: audio_feats.mfcc_mean(x)[:, 0], log)


def non_speech_embeddings(n: int, seed: int, variants: int, aug_seed: int, layers: int | None = None) -> list[np.ndarray]:
    """Embeddings of generated non-speech (training.augment.nonspeech): [clean, degraded 1..variants]; from the
    whole encoder, or from its first `layers` layers."""
    spec = speech.spec_at_depth(layers)
    from fakescope.training.augment import nonspeech

    def make(k: int):
        def run():
            w, _ = nonspeech.non_speech_set(n, seed)
            if k:
                w, _ = aug.augment_batch(w, seed=aug_seed * 1000 + 700 + k)
            return np.stack([speech.window_embedding(x, spec) for x in w]).astype(np.float32)
        return run

    cut = [] if layers is None else [f"first{layers}"]
    return [cached("audio_nonspeech", key_of(n, seed, k, aug_seed, FEATURE_VERSION, "aug-v2", *cut), make(k))
            for k in range(variants + 1)]


def half_frames(f: np.ndarray) -> np.ndarray:
    """(T, D) encoder frames -> (T // 2, D) float16, neighbouring pairs averaged."""
    return f[: len(f) // 2 * 2].reshape(-1, 2, f.shape[1]).mean(axis=1).astype(np.float16)
BASE_KINDS = ("whisper", "first1", "first2", "first3", "mfcc", "lfcc", "frames")


def encoder_layers(kind: str) -> int | None:
    """The encoder depth of a statistics kind: "firstK" -> K, "whisper" (the whole encoder) -> None."""
    return int(kind[5:]) if kind.startswith("first") else None


def gate_kind(cfg: dict) -> str:
    """The feature kind the speech gate reads (the encoder statistics of the served depth)."""
    return cfg["gate"].get("features", "whisper")


def features(data: AudioData, kind: str, variants: int, seed: int, codecs: tuple = ()) -> list[np.ndarray]:
    """[clean, degraded 1..variants, then one per name of `codecs` (data.CODEC_VARIANTS)] feature arrays of a
    kind: "whisper" = statistics of the whole encoder's frames, "firstK" = of the encoder cut to K layers,
    "lfcc", "mfcc", "frames", "logspec", "mel128"; "a_b_..." = those side by side in that order (the order of
    speech.window_vectors' head input, e.g. "first2_lfcc")."""
    ks = [*range(variants + 1), *codecs]
    if kind == "whisper":
        return [embeddings(data, k, seed) for k in ks]
    if kind.startswith("first") and kind in BASE_KINDS:
        return [cut_embeddings(data, encoder_layers(kind), k, seed) for k in ks]
    if kind == "mfcc":
        return [baseline_features(data, k, seed) for k in ks]
    if kind == "lfcc":
        return [spectral(data, k, seed) for k in ks]
    if kind == "frames":
        return [frames(data, k, seed) for k in ks]
    if kind in FRONT_ENDS:  # spectrogram images of the CNN comparison rows
        return [front_end(data, kind, k, seed) for k in ks]
    parts = kind.split("_")
    if len(parts) > 1 and all(p in BASE_KINDS and p != "frames" for p in parts):
        return [np.concatenate(p, axis=1) for p in zip(*(features(data, k, variants, seed, codecs) for k in parts))]
    raise ValueError(f"unknown features {kind!r}")


def quality_features(wave: np.ndarray) -> np.ndarray:
    """The QUALITY_NAMES of one clip (16 kHz)."""
    x = np.asarray(wave, np.float64)
    n = 512
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    fr = np.lib.stride_tricks.sliding_window_view(x, n)[::256] * np.hanning(n)
    p = np.abs(np.fft.rfft(fr, axis=1)) ** 2 + 1e-12
    hz = np.fft.rfftfreq(n, 1 / RATE)
    tot = p.sum(axis=1)
    spec = p.sum(axis=0)
    cum = np.cumsum(spec) / spec.sum()
    rolloff = hz[min(np.searchsorted(cum, 0.95), len(hz) - 1)]
    db = 10 * np.log10(tot)
    snr = np.percentile(db, 95) - np.percentile(db, 10)
    flat = np.mean(np.exp(np.mean(np.log(p), axis=1)) / np.mean(p, axis=1))
    return np.array([rolloff, spec[hz > 4000].sum() / spec.sum(), spec[hz > 7000].sum() / spec.sum(), snr, flat,
                     np.mean(np.abs(x) > 0.99), 10 * np.log10(np.mean(x ** 2) + 1e-12), len(wave) / RATE], np.float64)


def quality_design(q: np.ndarray) -> np.ndarray:
    """Quality features plus their logs (shares and flatness are heavy-tailed): what a quality classifier reads."""
    q = np.asarray(q, np.float64)
    return np.concatenate([q, np.log10(np.abs(q[:, :3]) + 1e-6), np.log10(q[:, 4:6] + 1e-6)], axis=1)


def quality_table(data: AudioData, nv: int, seed: int) -> list[np.ndarray]:
    """(N, 8) quality features (quality_features) per variant, cached."""
    return [cached("audio_quality", key_of(list(data.table["sha256"]), k, seed, "aug-v2", "q-v1"),
                   lambda k=k: np.stack([quality_features(x) for x in data.variant(k, seed)])) for k in range(nv + 1)]


def statistics(cfg: dict, ctx) -> tuple:
    """Model.statistics: the clean clips' recording-quality features, one row per clip."""
    return list(QUALITY_NAMES), quality_table(ctx.data, 0, cfg["augment"]["seed"])[0]
