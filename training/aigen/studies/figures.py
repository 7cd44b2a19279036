"""The plots of models/cards/aigen/ (ROC / DET, calibration, scores per source, all on the calibrated
out-of-source scores) and models/cards/aigen_metrics.json: every figure the evaluation measured, in the shape
that the verdict evaluation (training/verdict/pictures.py reads world[0]'s calibration) and the tests read."""
from __future__ import annotations

import numpy as np
from fakescope.training.config import repo_root
from fakescope.training.evaluation import publish

PLOTS = ("roc.png", "calibration.png", "scores_by_source.png")


def plots(ctx: dict, folds: list[dict], cards) -> None:
    table = ctx["table"]
    y, p = table["label"], ctx["oof_calibrated"]
    curves = {"all rows, out-of-source (calibrated)": (y, p)}
    for r in folds:
        if r["kind"] == "source":
            m = np.isin(table["source"], r["held"])
            curves[f"{r['fold']} (own fold, out-of-source)"] = (y[m], p[m])
    publish.plot_roc_det(curves, cards / "aigen" / "roc.png", "AI-image v2: ROC / DET on out-of-source scores")
    publish.plot_calibration(*ctx["calibration_pool"], cards / "aigen" / "calibration.png",
                             "Calibration: out-of-source scores, clean + q60/half (in-sample)")
    names = np.array([f"{s} ({'fake' if label else 'real'})" for s, label in zip(table["source"], y)])
    publish.plot_score_histograms(p, y, names, cards / "aigen" / "scores_by_source.png",
                                  "Out-of-source calibrated scores per source")


def metrics_json(ctx: dict, res: dict) -> dict:
    """The figures as `evaluate aigen` has always written them (own folds, calibration before the shipped
    lines, the fold kinds, latency, alternatives, the world-like evaluation and the shipped lines)."""
    o, cal = res["own_folds"], res["calibration"]
    return {**{k: o[k] for k in ("loso", "family", "reals_out", "folds", "per_source", "per_category")},
            "calibration": cal["pooled"], "oof_web60half": cal["oof_web60half"],
            "n_images": int(len(ctx["table"]["label"])), "n_fake": int(ctx["table"]["label"].sum()),
            "fold_kinds": res["fold_kinds"], "latency": res["latency"], "alternatives": res["alternatives"],
            "world": res["world"], "bands": cal["bands"], "replaces_v1": o["replaces_v1"]}


def run(cfg: dict, ctx: dict, res: dict) -> list[str]:
    cards = repo_root() / "models" / "cards"
    plots(ctx, res["own_folds"]["folds"], cards)
    publish.write_metrics_json(cards / "aigen_metrics.json", metrics_json(ctx, res))
    return [f"aigen/{p}" for p in PLOTS] + ["aigen_metrics.json"]


def sections(cfg: dict, res: dict) -> list[tuple[str, str]]:
    return [("Figures", "![ROC](aigen/roc.png) ![calibration](aigen/calibration.png) "
                        "![scores by source](aigen/scores_by_source.png)")]
