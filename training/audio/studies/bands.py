"""Calibration and verdict bands of the speech score (Model.calibrate) and what they give per collection,
language and generator family. The collection folds' out-of-fold scores (the framework's kept scores) are
calibrated by the method with the lowest cross-fitted ECE (each half, group / system disjoint, calibrated on
the other), fitted on all of them; the precision bands (training.evaluation.bands) are placed on the
cross-fitted calibrated scores. runs/audio/oof.json keeps each clip's cross-fitted score: the verdict
evaluation reads it (`fakescope evaluate verdict`)."""
from __future__ import annotations

import os

import numpy as np

from fakescope.server.calibration import apply as calibrate_apply
from fakescope.training.evaluation import bands, calibrate, measure, metrics, publish, splits
from fakescope.training.evaluation.publish import md_table, num, pct

CALIBRATION_METHODS = ("platt", "beta", "isotonic")
ON = "out-of-fold scores of the collection folds (each clip scored by a head that never saw its collection nor its fakes' families)"
LINES_RULE = ("training/evaluation/bands.py on the cross-fitted calibrated scores: each band right ≥ 90 % at even "
              "odds, no collection's reals above the upper line more than 5 %, no collection's fakes below the "
              "lower more than 10 %")


def cross_fitted(table: dict, y: np.ndarray, p: np.ndarray, method: str, seed: int) -> np.ndarray:
    """Calibrated scores where each half (group/system-disjoint) is calibrated on the other half."""
    a, b = splits.halves(table, np.arange(len(y)), seed=seed)
    out = np.empty_like(p)
    for fit_on, apply_to in ((a, b), (b, a)):
        out[apply_to] = calibrate_apply(p[apply_to], calibrate.fit(p[fit_on], y[fit_on], method))
    return out


def out_of_fold(cfg: dict, data, kept: dict) -> dict:
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


def content_role(fold_kinds: dict, th: dict) -> dict:
    """The manifest's content_roles["speech"]: the collection folds' figures and the bands (precision_bands)."""
    h = fold_kinds["headline"]
    return {"speech": {"heldout_auc": round(h["mean"], 4), "heldout_worst_auc": round(h["worst"], 4),
                       "heldout_kind": "collection", "folds": h["n_folds"],
                       "thresholds": {"lower": th["lower"], "upper": th["upper"]},
                       "bands_measured": {k: None if th[k] is None else round(th[k], 4) for k in bands.MEASURED}}}


def per_collection(y, p, coll) -> list[dict]:
    """Per collection: its reals' and fakes' calibrated out-of-fold scores (median, 90th / 10th percentile)."""
    out = []
    for c in dict.fromkeys(coll):
        m = coll == c
        r, f = p[m & (y == 0)], p[m & (y == 1)]
        out.append({"collection": str(c), "n_real": len(r), "n_fake": len(f), "auc": metrics.roc_auc(y[m], p[m]),
                    "real_median": float(np.median(r)), "real_p90": float(np.percentile(r, 90)),
                    "fake_median": float(np.median(f)), "fake_p10": float(np.percentile(f, 10))})
    return out


def per_key(y, p, keys) -> list[dict]:
    rows = []
    keys = np.asarray(keys, dtype=object)
    for k in sorted(set(keys)):
        m = keys == k
        both = len(set(y[m])) == 2
        rows.append({"key": str(k), "n": int(m.sum()), "n_fake": int(y[m].sum()),
                     "auc": metrics.roc_auc(y[m], p[m]) if both else float("nan"), "mean_score": float(p[m].mean())})
    return rows


def calibrate_model(cfg: dict, ctx, res: dict) -> dict:
    """Model.calibrate: the figures card.calibration_section documents, plus what the bands study and the
    manifest read (compared methods, bands, pooled figures). Writes runs/audio/oof.json."""
    o = out_of_fold(cfg, ctx.data, res["kept"])
    ctx.arrays["oof"] = o
    publish.write_metrics_json(ctx.runs / "oof.json", o["clips"])
    yo, b, cal = ctx.data.y[o["rows"]], o["bands"], o["calibrated"]
    th = {"lower": b["lower"] if b["lower"] is not None else 0.0,  # 0 / 1: that band is never said
          "upper": b["upper"] if b["upper"] is not None else 1.0}
    real_high, fake_low = b["reals_called_manipulated_by_collection"], b["fakes_called_authentic_by_collection"]
    coll = per_collection(yo, cal, ctx.data.table["source"][o["rows"]])
    return {"method": o["method"], "on": ON, "n": len(yo), "params": o["params"], "ece_raw": o["ece_raw"],
            "ece_in_sample": metrics.ece(yo, calibrate_apply(o["raw"], o["params"])),
            "ece_cross_fitted": o["ece_cross_fitted"], "auc_pooled": o["auc_pooled"],
            "thresholds": {"lower": b["lower"], "upper": b["upper"]}, "manifest_thresholds": th,
            "band_rates": calibrate.band_rates(yo, cal, th), "lines_rule": LINES_RULE,
            "per_collection": [{**r, "reals_called_manipulated": real_high.get(r["collection"]),
                                "fakes_called_authentic": fake_low.get(r["collection"])} for r in coll],
            "compared": o["ece_compared"], "rule": "lowest_cross_fitted_ece", "bands": b,
            "pooled_clean": metrics.summary(yo, cal, th["upper"]),
            "note": (f"Chosen among {', '.join(f'{m} (cross-fitted ECE {num(v)})' for m, v in o['ece_compared'].items())}: "
                     f"the lowest (target ≤ 0.05). Precision of \"likely manipulated\" at even odds "
                     f"{pct(b['precision_manipulated'])}, of \"likely authentic\" {pct(b['precision_authentic'])}. "
                     "The manifest's `thresholds` and `content_roles.speech.thresholds` are these lines (0 / 1 for a "
                     "band that cannot be placed: that band is never said).")}


def run(cfg: dict, ctx, res: dict) -> dict:
    """The calibrated out-of-fold scores per language and per generator family; the plots."""
    o = ctx.arrays["oof"]
    t, yo, cal = ctx.data.table, ctx.data.y[o["rows"]], o["calibrated"]
    _plots(yo, o["raw"], cal, t["source"][o["rows"]], res["calibration"]["manifest_thresholds"], ctx.plots,
           cfg["version"])
    return {"per_language": per_key(yo, cal, t["language"][o["rows"]]),
            "per_origin": per_key(yo, cal, t["family"][o["rows"]]),
            "plots": os.path.relpath(ctx.plots, ctx.card.parent)}


def _plots(y, raw, cal, coll, th, plot_dir, version: str) -> None:
    what = f"audio_speech {version}, collection folds (pooled out-of-fold)"
    publish.plot_roc_det({"out-of-fold clean": (y, raw)}, plot_dir / "roc_det.png", what)
    publish.plot_confusion(y, cal, th["upper"], plot_dir / "confusion.png", "out-of-fold, upper threshold")
    publish.plot_calibration(y, raw, cal, plot_dir / "calibration.png", "calibration (" + what + ")")
    publish.plot_score_histograms(cal, y, coll, plot_dir / "sources.png",
                                  "calibrated out-of-fold score per collection (largest 16)")


def sections(cfg: dict, res: dict) -> list:
    c, r = res["calibration"], res["bands"]
    rel = r["plots"]
    rows = [[x["collection"], x["n_real"], x["n_fake"], num(x["auc"]), num(x["real_median"]), num(x["real_p90"]),
             num(x["fake_median"]), num(x["fake_p10"])] for x in c["per_collection"]]
    return [("Verdict bands per collection (collection folds, out-of-fold)", f"""
The {c['n']} clips of the collection folds, calibrated cross-fitted as above (the share of each collection's
reals called likely fake and fakes called likely real: the table above): per collection the AUC of the
calibrated scores, the reals' median and 90th percentile, the fakes' median and 10th percentile.

{md_table(["collection", "reals", "fakes", "AUC", "real median", "real p90", "fake median", "fake p10"], rows)}

![ROC and DET]({rel}/roc_det.png) ![calibration]({rel}/calibration.png) ![confusion]({rel}/confusion.png)"""),
            ("Per language and per generator family (collection folds, out-of-fold, calibrated)", md_table(
                ["language / family", "n", "fakes", "AUC", "mean score"],
                [[x["key"], x["n"], x["n_fake"], num(x["auc"]), num(x["mean_score"])]
                 for x in r["per_language"] + r["per_origin"]]) + f"\n\n![per source]({rel}/sources.png)")]
