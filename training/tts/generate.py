"""The generated fakes: one modern or classic TTS clip per English real clip of the dataset, reading that
real clip's transcript (training.tts.texts). Rows inherit the real clip's source and group, so a
leave-one-source-out fold holds out the fakes of its own sentences too and no sentence is split
between training and validation.

Engine per clip is a pure function of the real clip's sha256 (Kokoro 40 %, Piper VITS 40 %, espeak-ng
10 %, flite 10 %), voice settings are drawn from a generator seeded by the same hash, and the output is
converted like the dataset (16 kHz, 16-bit, first 4 s). Result cached under .cache/ as packed int16."""
from __future__ import annotations

import hashlib
import json

import numpy as np

from fakescope.training.cache import cached, key_of, pack_waves, unpack_waves
from fakescope.training.config import cache_dir

VERSION = "gen-v1"
SHARES = (("kokoro", 0.4), ("piper", 0.4), ("espeak", 0.1), ("flite", 0.1))
MIN_WORDS = 3
CLIP_S = 4.0


def engine_for(real_sha: str) -> str:
    u = int(hashlib.sha256((real_sha + VERSION).encode()).hexdigest()[:8], 16) / 2 ** 32
    acc = 0.0
    for name, share in SHARES:
        acc += share
        if u < acc:
            return name
    return SHARES[-1][0]


def eligible(table: dict, texts: dict[str, str]) -> np.ndarray:
    """Rows of English real clips whose transcript has at least MIN_WORDS words."""
    idx = np.flatnonzero((table["label"] == "real") & (table["language"] == "en"))
    return np.array([i for i in idx if len(texts.get(table["sha256"][i], "").split()) >= MIN_WORDS], np.int64)


def synthesise(text: str, real_sha: str) -> tuple[np.ndarray, str, str]:
    """(16 kHz float32 clip, family, setting) for one real clip's text."""
    from fakescope.training.tts import engines

    name = engine_for(real_sha)
    rng = np.random.default_rng(int(hashlib.sha256((real_sha + "rng").encode()).hexdigest()[:8], 16))
    eng = engines.engine(name)
    x, setting = eng(text, rng)
    x = np.round(np.clip(x[: int(CLIP_S * engines.RATE)], -1, 1) * 32767) / 32767
    return x.astype(np.float32), eng.family, setting


def generated_set(table: dict, texts: dict[str, str], log=print) -> tuple[dict, list[np.ndarray]]:
    """(table of generated rows with the manifest's columns + "family", their waves)."""
    rows = eligible(table, texts)
    shas = [table["sha256"][i] for i in rows]
    key = key_of(VERSION, shas, [texts[s] for s in shas])
    meta_path = cache_dir() / "tts_generated" / f"{key}.json"
    state: dict = {}

    def make():
        from fakescope.training.tts import engines

        engines.ensure_packages(log)
        waves, meta = [], []
        for n, (i, sha) in enumerate(zip(rows, shas)):
            x, fam, setting = synthesise(texts[sha], sha)
            waves.append(x)
            meta.append({"family": fam, "setting": setting})
            if n % 100 == 99:
                log(f"    generated {n + 1}/{len(rows)} TTS clips")
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(meta))
        state["w"] = waves
        return pack_waves(waves)

    mat = cached("tts_generated", key, make)
    waves = state.get("w") or unpack_waves(mat)
    meta = json.loads(meta_path.read_text())
    gen = {k: np.array([table[k][i] for i in rows], dtype=object) for k in ("source", "group", "language")}
    gen["label"] = np.array(["fake"] * len(rows), dtype=object)
    gen["system"] = np.array([f"generated: {m['setting']}" for m in meta], dtype=object)
    gen["family"] = np.array([m["family"] for m in meta], dtype=object)
    gen["sha256"] = np.array([hashlib.sha256((s + engine_for(s) + VERSION).encode()).hexdigest() for s in shas],
                             dtype=object)
    gen["path"] = np.array([f"generated/{engine_for(s)}/{s[:16]}" for s in shas], dtype=object)
    gen["text_of"] = np.array(shas, dtype=object)
    return gen, waves
