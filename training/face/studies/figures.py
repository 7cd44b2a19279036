"""The card's figures (models/cards/face/): ROC and DET of the held-out images (pooled over the source folds)
and of the group-out clips, the calibration curve and the calibrated scores per source, all on the source folds'
out-of-fold scores that the shipped calibration was fitted on."""
from __future__ import annotations

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.training.config import repo_root
from fakescope.training.evaluation import publish
from fakescope.training.face.studies.sources import source_folds


def run(cfg: dict, ctx: dict, res: dict) -> dict:
    fig = repo_root() / "models" / "cards" / "face"
    y, src = ctx["data"]["label"], ctx["data"]["source"]
    oof = source_folds(cfg, ctx)[1]
    ok = ~np.isnan(oof)
    cal, v = res["calibration"]["params"], res["video"]
    raw, calp = oof[ok], cal_apply(oof[ok], cal)
    yv = np.array([c["y"] for c in v["clips"]])
    curves = {"DeepFaceLive clips (group-out)": (yv, np.array([c[v["rule"]] if c[v["rule"]] is not None else 0.5
                                                               for c in v["clips"]])),
              "images, out-of-fold (pooled over source folds)": (y[ok], raw)}
    names = [f"{s} {'fake' if l_ else 'real'}" for s, l_ in zip(src[ok], y[ok])]
    paths = [publish.plot_calibration(y[ok], raw, calp, fig / "calibration.png", "Calibration, out-of-fold image scores"),
             publish.plot_score_histograms(calp, y[ok], names, fig / "scores_by_source.png",
                                           "Calibrated out-of-fold scores per source"),
             publish.plot_roc_det(curves, fig / "roc.png", "Face model v2: held-out images and clips")]
    return {"plots": [str(p.relative_to(fig.parent)) for p in paths]}


def sections(cfg: dict, res: dict) -> list:
    return [("Figures", "![ROC](face/roc.png) ![calibration](face/calibration.png) ![scores](face/scores_by_source.png)")]
