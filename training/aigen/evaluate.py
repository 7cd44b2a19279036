"""`evaluate aigen`: measures the v2 head on held-out folds and writes the card, plots, metrics JSON and
the "ai_image" manifest entry (through training.aigen.card).

Per fold (training/aigen/folds.py): the head is fitted on the fold's training rows (same
hyper-parameters and variants as the shipped head) and scores the held-out rows clean and after
JPEG q60 + half size. The same rows are scored by the v1 NPR model (fixed, as shipped) and by the
file-statistics shortcut classifier (fitted per fold). Calibration: Platt on the pooled out-of-source
scores (every row scored once by a head that never saw its source); its ECE is cross-fitted over two
group halves; thresholds are picked on the calibrated pooled scores."""
from __future__ import annotations

import os
import time

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.server.features.image import CLIP_INPUT
from fakescope.training.evaluation import calibrate, metrics
from fakescope.training.evaluation.measure import Rows, measure
from fakescope.training.cache import cached, key_of
from fakescope.training.config import repo_root
from fakescope.training.aigen.data import category, variant_image
from fakescope.training.aigen.features import features, load
from fakescope.server.detectors.ai_image import head_probability
from fakescope.training.aigen.folds import family, family_folds, fold_indices, loso_folds, reals_out_folds, source_out
from fakescope.training.aigen.heads import fit_on, head_params, score_folds
from fakescope.training.aigen.shortcuts import shortcut_fold_scores, statistics
from fakescope.training.evaluation.splits import group_holdout

SCORE_VARIANTS = ("clean", "web60half")


def auc(y, p) -> float:
    return metrics.roc_auc(y, p) if len(np.unique(y)) == 2 else float("nan")


def v1_scores(cfg: dict, table: dict, images_dir) -> dict | None:
    """Uncalibrated scores of the v1 NPR model (as it served: standardize_image on the decoded file) for
    every row, clean and degraded; None when its file is absent."""
    from fakescope.server.modelstore import sha256_file

    path = repo_root() / "models" / cfg["compare"]["model_file"]
    if not path.exists():
        return None

    def compute(variant):
        from fakescope.server.media.decode import load_image
        from fakescope.training.config import limit_threads
        from fakescope.training.aigen.heads import predict_images

        import keras

        limit_threads(int(cfg.get("threads", 1)))
        model = keras.saving.load_model(str(path), compile=False)
        imgs = [variant_image(load_image(images_dir / p), variant, s) for p, s in zip(table["path"], table["sha256"])]
        return np.concatenate([predict_images(model, imgs[i:i + 64]) for i in range(0, len(imgs), 64)])

    return {v: cached("aigen", f"v1-{v}-" + key_of(sha256_file(path), v, list(table["sha256"])),
                      lambda v=v: compute(v)) for v in SCORE_VARIANTS}


def fold_rows(table: dict, v2: list[dict], v1: dict | None, short: list[dict]) -> list[dict]:
    rows = []
    for r, s in zip(v2, short):
        va, y = r["val"], table["label"][r["val"]]
        row = {"fold": r["fold"].name, "kind": r["fold"].kind, "held": list(r["fold"].held),
               "n_fake": int(y.sum()), "n_real": int((1 - y).sum()), "n_train": r["n_train"],
               "auc": auc(y, r["clean"]), "auc_web60half": auc(y, r["web60half"]), "shortcut_auc": auc(y, s["clean"])}
        if v1 is not None:
            row["v1_auc"] = auc(y, v1["clean"][va])
            row["v1_auc_web60half"] = auc(y, v1["web60half"][va])
        rows.append(row)
    return rows


def summarise(rows: list[dict], key: str) -> dict:
    vals = np.array([r[key] for r in rows if key in r], np.float64)
    vals = vals[~np.isnan(vals)]
    return {"mean": float(vals.mean()) if len(vals) else None, "worst": float(vals.min()) if len(vals) else None,
            "n_folds": int(len(vals))}


def calibrate_oof(table: dict, oof: np.ndarray, oof_deg: np.ndarray, method: str, seed: int) -> dict:
    """Platt on the pooled out-of-source scores of every image clean AND as a re-shared copy (half size,
    JPEG q60), so the calibration holds for both and rests on twice the rows (ECE over 15 bins has a noise
    floor of ~0.06 at 400 rows, ~0.04 at 800). ECE is cross-fitted: fit on one group half, apply to the
    other, pool both halves' calibrated scores, measure once. Thresholds on the calibrated pool."""
    y = np.concatenate([table["label"]] * 2)
    p = np.concatenate([oof, oof_deg])
    half = group_holdout(np.concatenate([table["group"]] * 2), 0.5, seed)
    crossfit = np.zeros(len(y))
    for a, b in ((half, ~half), (~half, half)):
        crossfit[b] = cal_apply(p[b], calibrate.fit(p[a], y[a], method))
    cal = calibrate.fit(p, y, method)
    pc = cal_apply(p, cal)
    th = calibrate.pick_thresholds(y, pc)
    n = len(oof)
    return {"calibration": cal, "thresholds": th, "calibrated": pc[:n], "calibrated_web60half": pc[n:],
            "ece_crossfit": metrics.ece(y, crossfit), "ece_crossfit_clean": metrics.ece(y[:n], crossfit[:n]),
            "ece_raw": metrics.ece(y, p), "band_rates": calibrate.band_rates(y[:n], pc[:n], th),
            "band_rates_web60half": calibrate.band_rates(y[n:], pc[n:], th), "summary": metrics.summary(y[:n], pc[:n])}


def _bands(y: np.ndarray, p: np.ndarray, th: dict) -> dict:
    """Share of the reals called likely_fake and of the fakes called likely_real (NaN: class absent)."""
    r = calibrate.band_rates(y, p, th)
    return {"real_called_fake": r["real_called_fake"], "fake_called_real": r["fake_called_real"]}


def per_source(table: dict, rows: list[dict], p_oof: np.ndarray, th: dict, evaluated) -> list[dict]:
    """Per source: mean AUC of the folds holding it out; its calibrated out-of-source scores and the share
    of its images in each verdict band at the shipped thresholds."""
    out = []
    for s in evaluated:
        m = table["source"] == s
        if not m.any():
            continue
        mine = [r for r in rows if s in r["held"] and r["kind"] in ("source", "pair")]
        y = table["label"][m]
        out.append({"source": s, "n_fake": int(y.sum()), "n_real": int((1 - y).sum()),
                    "fold_auc_mean": float(np.nanmean([r["auc"] for r in mine])) if mine else None,
                    "fold_auc_web60half_mean": float(np.nanmean([r["auc_web60half"] for r in mine])) if mine else None,
                    "oof_mean_score": float(p_oof[m].mean()), **_bands(y, p_oof[m], th)})
    return out


def per_category(table: dict, p_oof: np.ndarray, th: dict, source: str) -> list[dict]:
    """Categories of a mixed source (kurlyto: paintings in both classes, photos real, GAN scenes fake):
    AUC and verdict-band shares of its calibrated out-of-source scores."""
    m = table["source"] == source
    cats = np.array([category(s) for s in table["system"][m]])
    y, p = table["label"][m], p_oof[m]
    out = []
    for c in sorted(set(cats)):
        k = cats == c
        out.append({"category": c, "n_fake": int(y[k].sum()), "n_real": int((1 - y[k]).sum()),
                    "auc": auc(y[k], p[k]), **_bands(y[k], p[k], th)})
    return out


def serving_latency(cfg: dict, table: dict, images_dir, head: dict, n: int = 40) -> dict:
    """p50 / p90 of file bytes -> verdict through the detector (decode, one encoder call, head)."""
    from pathlib import Path

    from fakescope.server.detectors.ai_image import AIImageDetector
    from fakescope.server.detectors.base import Context
    from fakescope.server.media.types import Media

    det = AIImageDetector(head, {"version": cfg["version"], "calibration": None})
    det.warmup()
    idx = np.linspace(0, len(table["path"]) - 1, min(n, len(table["path"]))).astype(int)
    wall, cpu = [], []
    for i in idx:
        path = Path(images_dir) / table["path"][i]
        t0, c0 = time.perf_counter(), time.process_time()
        det.predict(Media(kind="image", path=path, sha256="0", size_bytes=path.stat().st_size), Context())
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time is the load-independent figure on a shared machine: wall time there includes waiting for cores
    return {"p50_ms": 1000 * float(np.median(wall)), "p90_ms": 1000 * float(np.percentile(wall, 90)),
            "cpu_p50_ms": 1000 * float(np.median(cpu)), "n": len(wall),
            "encoder_threads": os.environ.get("FAKESCOPE_ENCODER_THREADS", "onnxruntime default"),
            "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


def alternatives(cfg: dict) -> list[dict]:
    """The settings in cfg["alternatives"] (overrides of "head", "face_sources" and the encoder's
    "input_size"), measured on the same leave-one-source-out and family folds of the evaluated sources
    (extra face rows only ever train)."""
    out = []
    for alt in cfg.get("alternatives", []):
        acfg = {**cfg, "face_sources": alt.get("face_sources", cfg.get("face_sources", [])),
                "head": {**cfg["head"], **alt.get("head", {})}}
        hp = head_params(acfg)
        size = int(alt.get("input_size", CLIP_INPUT))
        table, feats, images = load(acfg, variants=list(hp["train_variants"]) + ["clean"], size=size)
        evaluated = tuple(cfg["sources"])
        ev = np.isin(table["source"], evaluated)  # only these rows are ever validated: degrade only them
        feats["web60half"] = np.zeros_like(feats["clean"])
        feats["web60half"][ev] = features({k: v[ev] for k, v in table.items()}, images, "web60half", size=size)
        folds, fams = loso_folds(table, evaluated), family_folds(table, evaluated)
        res = score_folds(feats, table, folds + fams, hp, fold_indices, SCORE_VARIANTS, cfg["seed"])
        aucs = np.array([[auc(table["label"][r["val"]], r[v]) for v in SCORE_VARIANTS] for r in res])
        lo, fa = aucs[:len(folds)], aucs[len(folds):]
        names = [f.name for f in folds]
        out.append({"name": alt["name"], "loso_mean": float(lo[:, 0].mean()), "loso_worst": float(lo[:, 0].min()),
                    "loso_web60half_mean": float(lo[:, 1].mean()), "loso_web60half_worst": float(lo[:, 1].min()),
                    "family_mean": float(fa[:, 0].mean()), "family_worst": float(fa[:, 0].min()),
                    "kurlyto": float(lo[names.index("kurlyto_aiornot"), 0]) if "kurlyto_aiornot" in names else None})
    return out


def model_rows(table: dict, feats: dict, hp: dict, seed: int) -> Rows:
    """The AI-image model as training.evaluation sees it: every row testable, fakes by generator family, and
    a fold's head fitted like the shipped one and scored on the clean images."""
    fam = np.array([family(s) if y else "real" for s, y in zip(table["system"], table["label"])], dtype=object)
    t = {"label": table["label"], "source": table["source"], "family": fam, "group": table["group"],
         "testable": np.ones(len(fam), bool)}
    return Rows(t, lambda tr, te, _held: head_probability(fit_on(feats, table, tr, hp, seed), feats["clean"][te]))


def world_evaluation(cfg: dict) -> list[dict]:
    """training.aigen.world on the configured model and its cfg["candidates"]: what the card compares (each
    candidate's "replaces": whether it beats the configured model by world.better); writes the configured
    model's out-of-fold calibrated score of every picture to runs/aigen/oof.json."""
    from fakescope.training.aigen import world, world_card

    out = world.compare(cfg)
    base = out["candidates"][0]
    for c in out["candidates"][1:]:
        c["replaces"] = world.better(c, base)
    world.save_oof(out)
    return world_card.summary(out)


def shipped_lines(base: dict, calibration: dict) -> dict:
    """The shipped model's two lines, placed by training.evaluation.bands on the world-like evaluation's
    out-of-fold scores of EVERY collection (v2's sources, the content-matched fold, the face pool's pictures and
    the offline real collections: no collection's reals above the upper line more than 5 %), moved from that
    evaluation's calibration onto the published one (the same pictures stay above each line)."""
    from fakescope.training.evaluation.bands import move_line

    b = base["ship_bands"]
    return {"lower": move_line(b["lower"], base["calibration"], calibration),
            "upper": move_line(b["upper"], base["calibration"], calibration), "measured": b}


def evaluate_aigen(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.aigen.card import publish_all

    hp = head_params(cfg, smoke)
    seed = cfg["seed"]
    table, feats, images = load(cfg, smoke, variants=list(hp["train_variants"]) + list(SCORE_VARIANTS))
    evaluated = tuple(cfg["sources"])
    folds = loso_folds(table, evaluated)
    extra = reals_out_folds(table, evaluated) + family_folds(table, evaluated)
    v2 = score_folds(feats, table, folds + extra, hp, fold_indices, SCORE_VARIANTS, seed)
    stats = statistics(table, images)
    short = shortcut_fold_scores(stats, table, folds + extra, fold_indices)
    v1 = None if smoke else v1_scores(cfg, table, images)
    rows = fold_rows(table, v2, v1, short)
    loso = rows[:len(folds)]
    fam = [r for r in rows if r["kind"] == "family"]
    reals_out = [r for r in rows if r["kind"] == "reals_out"]
    oof_res = score_folds(feats, table, source_out(table), hp, fold_indices, SCORE_VARIANTS, seed)
    oof = np.zeros(len(table["label"]))
    oof_deg = np.zeros(len(table["label"]))
    for r in oof_res:
        oof[r["val"]], oof_deg[r["val"]] = r["clean"], r["web60half"]
    cal = calibrate_oof(table, oof, oof_deg, cfg.get("calibration", "platt"), seed)
    res = {
        "loso": {k: summarise(loso, k) for k in ("auc", "auc_web60half", "shortcut_auc", "v1_auc", "v1_auc_web60half")},
        "family": {k: summarise(fam, k) for k in ("auc", "auc_web60half", "shortcut_auc", "v1_auc")},
        "reals_out": {k: summarise(reals_out, k) for k in ("auc", "auc_web60half", "shortcut_auc", "v1_auc")},
        "folds": rows,
        "per_source": per_source(table, rows, cal["calibrated"], cal["thresholds"], evaluated),
        "per_category": {f.name: per_category(table, cal["calibrated"], cal["thresholds"], f.name)
                         for f in folds if f.kind == "source"},
        "calibration": {k: cal[k] for k in ("calibration", "thresholds", "ece_crossfit", "ece_crossfit_clean",
                                            "ece_raw", "band_rates", "band_rates_web60half", "summary")},
        "oof_web60half": metrics.summary(table["label"], cal["calibrated_web60half"]),
        "n_images": int(len(table["label"])), "n_fake": int(table["label"].sum()),
        "fold_kinds": measure(model_rows(table, feats, hp, seed), seed),
    }
    if smoke:
        return res
    with np.load(repo_root() / "models" / cfg["model_file"], allow_pickle=False) as z:
        head = {k: z[k] for k in z.files}
    refit = fit_on(feats, table, np.arange(len(table["label"])), hp, seed)
    if set(refit) != set(head) or any(not np.allclose(refit[k], head[k], atol=1e-5) for k in head):
        raise RuntimeError(f"models/{cfg['model_file']} is not the head this config trains: run `fakescope train "
                           f"{cfg['name']}` first")
    res["latency"] = serving_latency(cfg, table, images, head)
    res["alternatives"] = alternatives(cfg)
    res["world"] = world_evaluation(cfg)
    res["bands"] = shipped_lines(res["world"][0], cal["calibration"])
    shipped = {k: res["bands"][k] for k in ("lower", "upper")}   # the band shares at the lines that ship
    res["per_source"] = per_source(table, rows, cal["calibrated"], shipped, evaluated)
    res["per_category"] = {f.name: per_category(table, cal["calibrated"], shipped, f.name)
                           for f in folds if f.kind == "source"}
    res["curves"] = {"oof": (table["label"], cal["calibrated"]),
                     "pool": (np.concatenate([table["label"]] * 2), np.concatenate([oof, oof_deg]),
                              np.concatenate([cal["calibrated"], cal["calibrated_web60half"]]))}
    return publish_all(cfg, res, table)
