"""The speech model on the shared fold kinds (training.evaluation): the config's "candidates" (v2's recipe on
v2's pool, and the v3 candidates: the same recipe on today's pool, codec variants, other encoder depths)
refitted per fold, each fold's scores cached; the cloning fold (the real prompts of the pages added
2026-12-05 vs their clones); the out-of-fold collection-fold scores calibrated (cross-fitted) and the verdict
bands placed on them (training.evaluation.bands).

A candidate: {"name", "features" (training.audio.features kinds), "head", "codecs" (extra training variants,
data.CODEC_VARIANTS; both classes alike), "copysynth" (the copy-synthesis methods whose fakes it trains on,
training.tts.copysynth; the data must hold them: config "copysynth" enabled or AudioData(copysynth=...)),
"pool": "all" | "before_zero_shot" (the pages added 2026-12-05 and the TTS renditions of their reals leave every fold's training)}. Folds score the clean clips only."""
from __future__ import annotations

import hashlib

import numpy as np

from fakescope.server.calibration import apply as calibrate_apply
from fakescope.training.audio import folds as audio_folds
from fakescope.training.audio.data import AudioData, variants
from fakescope.training.audio.features import features
from fakescope.training.audio.shortcuts import training_weights
from fakescope.training.cache import cached, key_of
from fakescope.training.evaluation import bands, calibrate, measure, metrics, splits
from fakescope.training.evaluation.folds import cloning_fold

CALIBRATION_METHODS = ("platt", "beta", "isotonic")
CLONING_FOLD = "2026-12-05 pages: real prompts vs their clones"


def zero_shot_sources(data: AudioData) -> set:
    """The sources the audio README lists under its 2026-12-05 addition (recent zero-shot / codec-LM / flow TTS
    demo pages with the real prompts they clone)."""
    from fakescope.training.verdict.data import zero_shot_sources as listed

    return listed(data.root)


def framework_table(data: AudioData) -> dict:
    """The rows as training.evaluation sees them: dataset clips testable, generated TTS fakes train only."""
    t = data.table
    return {"label": data.y, "source": t["source"], "family": t["family"], "group": t["group"],
            "testable": ~data.generated}


def extra_folds(data: AudioData, table: dict) -> list:
    """The cloning fold (when the pool holds the 2026-12-05 pages)."""
    f = cloning_fold(table, zero_shot_sources(data), CLONING_FOLD)
    return [f] if f is not None else []


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

    def fit_score(tr, te, _held):
        tr, te = np.asarray(tr, np.int64), np.asarray(te, np.int64)
        tr = tr[keep[tr]]
        key = key_of(base, hashlib.sha256(tr.tobytes()).hexdigest(), hashlib.sha256(te.tobytes()).hexdigest())
        return cached("audio_candidate_folds", key,
                      lambda: audio_folds.fit_score(feats, y, tr, te, c["head"], cfg["seed"], w)[0])

    return measure.Rows(framework_table(data), fit_score)


def measure_candidate(cfg: dict, data: AudioData, name: str, kinds=("collection",), smoke: bool = False,
                      log=print) -> tuple[dict, dict]:
    """(measure's result over `kinds` + the cloning fold, the kept {(kind, fold): (rows, scores)})."""
    rows = candidate_rows(cfg, data, name, smoke)
    kept: dict = {}
    res = measure.measure(rows, cfg["seed"], log=log, keep_scores=kept, kinds=kinds,
                          extra_folds=extra_folds(data, rows.table), min_per_class=1 if smoke else 3)
    return res, kept


def replaces(new: dict, old: dict) -> bool:
    """The issue's rule: collection-fold mean higher AND worst collection fold not lower."""
    n, o = new["kinds"]["collection"], old["kinds"]["collection"]
    return n["mean"] > o["mean"] and n["worst"] >= o["worst"]


def cross_fitted(table: dict, y: np.ndarray, p: np.ndarray, method: str, seed: int) -> np.ndarray:
    """Calibrated scores where each half (group/system-disjoint) is calibrated on the other half."""
    a, b = splits.halves(table, np.arange(len(y)), seed=seed)
    out = np.empty_like(p)
    for fit_on, apply_to in ((a, b), (b, a)):
        out[apply_to] = calibrate_apply(p[apply_to], calibrate.fit(p[fit_on], y[fit_on], method))
    return out


def out_of_fold(cfg: dict, data: AudioData, kept: dict) -> dict:
    """The collection folds' out-of-fold scores: calibration (the method with the lowest cross-fitted ECE,
    fitted on all of them), the cross-fitted calibrated score per clip, ECE, and the precision bands placed
    on the cross-fitted scores (training.evaluation.bands), with each collection's shares."""
    rows, p = measure.out_of_fold(kept, "collection")
    t = data.table
    sub = {k: np.asarray(t[k])[rows] for k in ("group", "system", "label", "source")}
    y = data.y[rows]
    seed = cfg["augment"]["seed"]
    crossed = {m: cross_fitted(sub, y, p, m, seed) for m in CALIBRATION_METHODS}
    compared = {m: metrics.ece(y, s) for m, s in crossed.items()}
    method = min(CALIBRATION_METHODS, key=compared.get)
    params = calibrate.fit(p, y, method)
    cal = crossed[method]
    return {"rows": rows, "raw": p, "calibrated": cal, "params": params, "method": method,
            "ece_cross_fitted": compared[method], "ece_compared": compared, "ece_raw": metrics.ece(y, p),
            "auc_pooled": metrics.roc_auc(y, p), "bands": bands.precision_bands(y, cal, sub["source"]),
            "clips": [{"path": str(t["path"][i]), "label": int(data.y[i]), "collection": str(t["source"][i]),
                       "score": float(s)} for i, s in zip(rows, cal)]}


def content_role(res: dict, oof: dict) -> dict:
    """The manifest's content_roles["speech"]: the collection folds' figures and the bands."""
    h = res["headline"]
    th = oof["bands"]
    return {"speech": {"heldout_auc": round(h["mean"], 4), "heldout_worst_auc": round(h["worst"], 4),
                       "heldout_kind": "collection", "folds": h["n_folds"],
                       "thresholds": {"lower": th["lower"], "upper": th["upper"]},
                       "bands_measured": {k: None if th[k] is None else round(th[k], 4) for k in bands.MEASURED}}}
