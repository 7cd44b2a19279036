"""The candidate recipes (the config's "candidates": v2's recipe on v2's pool, and the v3 candidates: the same
recipe on today's pool, codec variants, other encoder depths, copy-synthesis fakes) as training rows and as
measure.Rows: the shipped head is fitted from its candidate's rows (recipe.train), and every fold of the
shared fold kinds refits the same recipe on the fold's training rows (scores cached per fold).

A candidate: {"name", "features" (training.audio.features kinds), "head", "codecs" (extra training variants,
data.CODEC_VARIANTS; both classes alike), "copysynth" (the copy-synthesis methods whose fakes it trains on,
training.tts.copysynth; the data must hold them: config "copysynth" enabled or AudioData(copysynth=...)),
"pool": "all" | "before_zero_shot" (the pages added 2026-12-05 and the TTS renditions of their reals leave
every fold's training)}. Folds score the clean clips only."""
from __future__ import annotations

import hashlib

import numpy as np

from fakescope.training.audio.data import AudioData, framework_table, variants, zero_shot_sources
from fakescope.training.audio.features import features
from fakescope.training.audio.heads import fit_score
from fakescope.training.audio.heads.balancing import training_weights
from fakescope.training.cache import cached, key_of
from fakescope.training.evaluation import measure


def training_rows(cfg: dict, data: AudioData, name: str, smoke: bool = False):
    """(feature arrays per training variant [clean, degraded..., codec...], per-row weights over those
    variants or None, mask of the clips the candidate may train on): what the shipped head and every fold
    of the candidate are fitted from."""
    c = cfg["candidates"][name]
    nv, seed = variants(cfg, smoke), cfg["augment"]["seed"]
    codecs = () if smoke else tuple(c.get("codecs", ()))
    feats = features(data, c["features"], nv, seed, codecs)
    keep = copysynth_rows(data, c)
    w = training_weights(cfg, data, nv, keep)
    if w is not None and codecs:  # a codec copy of a clip weighs what its clean copy weighs
        w = np.concatenate([w, np.tile(w[: len(data)], len(codecs))])
    if c.get("pool") == "before_zero_shot":
        keep &= ~np.isin(data.table["source"], list(zero_shot_sources(data)))
    return feats, w, keep


def copysynth_rows(data: AudioData, c: dict) -> np.ndarray:
    """Mask of the clips a candidate may train on as far as copy-synthesis goes: every clip but the
    copy-synthesis fakes of methods the candidate does not name ("copysynth": [methods])."""
    named = [f"copy-synthesis: {m}" for m in c.get("copysynth", ())]
    return ~data.copysynth | np.isin(data.table["system"], named)


def candidate_rows(cfg: dict, data: AudioData, name: str, smoke: bool = False) -> measure.Rows:
    """measure.Rows of one candidate: each fold refits its head (all training variants, quality-balancing
    weights as the shipped head) and scores the clean test clips; cached per fold."""
    c = cfg["candidates"][name]
    feats, w, keep = training_rows(cfg, data, name, smoke)
    y = data.y
    base = key_of(c, cfg["seed"], variants(cfg, smoke), cfg["augment"]["seed"], data.manifest_sha,
                  list(data.table["sha256"][copysynth_rows(data, c)]), "candidate-v1")

    def fold_score(tr, te, _held):
        tr, te = np.asarray(tr, np.int64), np.asarray(te, np.int64)
        tr = tr[keep[tr]]
        key = key_of(base, hashlib.sha256(tr.tobytes()).hexdigest(), hashlib.sha256(te.tobytes()).hexdigest())
        return cached("audio_candidate_folds", key, lambda: fit_score(feats, y, tr, te, c["head"], cfg["seed"], w)[0])

    return measure.Rows(framework_table(data), fold_score)


def rows(cfg: dict, ctx) -> measure.Rows:
    """Model.rows: the shipped candidate's recipe."""
    return candidate_rows(cfg, ctx.data, cfg["shipped_candidate"], ctx.smoke)
