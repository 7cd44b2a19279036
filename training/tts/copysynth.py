"""Copy-synthesis fakes (issue 24 item 2): real clips of the dataset re-synthesised through classical vocoders
that run offline, each fake paired with its own real so only the synthesis differs. A fake row inherits its
real clip's source, group and language (a pair never straddles a split; it leaves training with its
collection), is never tested (origin "generated"). Its family is the dataset's family of its method's name
(training.audio.data.family_of: WORLD -> the classic / parametric family, Griffin-Lim -> griffin-lim), so a
collection whose fakes are of that family never trains on it.

Methods (config "copysynth": {"methods": [...], "n_reals": N}):
  world       WORLD analysis (DIO + StoneMask F0, CheapTrick envelope, D4C aperiodicity) and re-synthesis (pyworld)
  griffinlim  80-band log-mel (n_fft 1024, hop 256) inverted by Griffin-Lim, 32 iterations (librosa)

The reals are a fixed, source-balanced selection (round robin over sources, distinct groups first, order by
a hash of each clip's sha256), the first CLIP_S seconds of each, 16 kHz 16-bit like the dataset. Waves
cached under .cache/copysynth as packed int16. Measured only (experiments/speech_v3_candidates.md: no
copy-synthesis candidate met the replacement rule), so pyworld is not a declared dependency: the WORLD set
needs `pip install pyworld==0.3.4`."""
from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np

from fakescope.training.cache import cached, key_of, pack_waves, unpack_waves

VERSION = "copysynth-v1"
RATE = 16000
CLIP_S = 4.0
METHODS = ("world", "griffinlim")


def _rank(sha: str) -> str:
    return hashlib.sha256((sha + VERSION).encode()).hexdigest()


def select_reals(table: dict, n: int) -> np.ndarray:
    """Up to n dataset real rows: round robin over sources (sorted), within a source distinct groups first,
    each in the order of a hash of the clip's sha256."""
    idx = np.flatnonzero(np.asarray(table["label"]) == "real")
    by_source: dict = defaultdict(list)
    for i in sorted(idx, key=lambda i: _rank(table["sha256"][i])):
        by_source[table["source"][i]].append(int(i))
    queues = {}
    for s, rows in by_source.items():
        seen, first, rest = set(), [], []
        for i in rows:
            (rest if table["group"][i] in seen else first).append(i)
            seen.add(table["group"][i])
        queues[s] = first + rest
    out: list[int] = []
    while len(out) < n and any(queues.values()):
        for s in sorted(queues):
            if queues[s] and len(out) < n:
                out.append(queues[s].pop(0))
    return np.array(sorted(out), np.int64)


def world(x: np.ndarray) -> np.ndarray:
    import pyworld

    d = np.ascontiguousarray(x, np.float64)
    f0, t = pyworld.dio(d, RATE)
    f0 = pyworld.stonemask(d, f0, t, RATE)
    sp = pyworld.cheaptrick(d, f0, t, RATE)
    ap = pyworld.d4c(d, f0, t, RATE)
    return pyworld.synthesize(f0, sp, ap, RATE)[: len(x)]


def griffinlim(x: np.ndarray) -> np.ndarray:
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(x, np.float32), sr=RATE, n_fft=1024, hop_length=256, n_mels=80)
    mag = librosa.feature.inverse.mel_to_stft(mel, sr=RATE, n_fft=1024)
    return librosa.griffinlim(mag, n_iter=32, hop_length=256, n_fft=1024, random_state=0, length=len(x))


SYNTH = {"world": world, "griffinlim": griffinlim}


def resynthesise(x: np.ndarray, method: str) -> np.ndarray:
    """One real clip (16 kHz float) through `method`: the first CLIP_S s, peak matched to the real's, 16-bit."""
    x = np.asarray(x, np.float32)[: int(CLIP_S * RATE)]
    y = np.nan_to_num(np.asarray(SYNTH[method](x), np.float64))
    y = np.pad(y, (0, max(0, len(x) - len(y))))
    peak, ypeak = float(np.max(np.abs(x)) or 1.0), float(np.max(np.abs(y)) or 1.0)
    y = y * (peak / ypeak)
    return (np.round(np.clip(y, -1, 1) * 32767) / 32767).astype(np.float32)


def copysynth_set(table: dict, waves: list[np.ndarray], methods, n_reals: int,
                  log=print) -> tuple[dict, list[np.ndarray]]:
    """(table of copy-synthesis rows with the manifest's columns, their waves), methods in order,
    each over the same selected reals."""
    rows = select_reals(table, n_reals)
    shas = [table["sha256"][i] for i in rows]
    gen: dict = {k: [] for k in ("source", "group", "language", "label", "system", "sha256", "path",
                                 "text_of")}
    out: list[np.ndarray] = []
    for m in methods:
        state: dict = {}

        def make(m=m):
            w = []
            for n, i in enumerate(rows):
                w.append(resynthesise(waves[i], m))
                if n % 100 == 99:
                    log(f"    {m}: {n + 1}/{len(rows)} copy-synthesis clips")
            state["w"] = w
            return pack_waves(w)

        mat = cached("copysynth", key_of(VERSION, m, CLIP_S, shas), make)
        out += state.get("w") or unpack_waves(mat)
        for i, s in zip(rows, shas):
            for k in ("source", "group", "language"):
                gen[k].append(table[k][i])
            gen["label"].append("fake")
            gen["system"].append(f"copy-synthesis: {m}")
            gen["sha256"].append(hashlib.sha256((s + m + VERSION).encode()).hexdigest())
            gen["path"].append(f"copysynth/{m}/{s[:16]}")
            gen["text_of"].append(s)
    return {k: np.array(v, dtype=object) for k, v in gen.items()}, out
