"""The DeepFaceLive clips, the only face video there is: 26 clips, 13 real / swapped pairs of the same footage in
9 face-model groups. Leave-one-face-model-GROUP-out: a clip is only ever scored by a head that saw no frame of
its group, through the serving aggregation (FaceManipulationDetector.score_extracted) with the shipped
calibration; whole-clip AUC by both track rules, identity drift alone and single frames. The face_video content
role (recipe.content_roles) is measured here."""
from __future__ import annotations

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.training.config import repo_root
from fakescope.training.evaluation import metrics
from fakescope.training.evaluation.publish import md_table, num, pct
from fakescope.training.face import heads as H
from fakescope.training.face.data import yunet_path
from fakescope.training.face.features import as_extraction, extraction_detector, training_frames


def video_folds(cfg, data, feats, train_clips, serve_clips, det, cal) -> dict:
    """Leave-one-face-model-group-out whole-clip scores by both rules, identity drift, frame AUC."""
    groups = sorted({c["group"] for c in serve_clips})
    rows = np.arange(len(data["label"]))
    clips = []
    for g in groups:
        frames = training_frames(train_clips, set(groups) - {g})
        X, y, w = H.assemble(data, feats, rows, frames, cfg)
        head = H.fit_head(X, y, w, cfg)
        fn = lambda f, head=head: cal_apply(H.head_scores(head, f), cal)  # noqa: E731
        for c in serve_clips:
            if c["group"] != g:
                continue
            ex = as_extraction(c["ex"])
            res = {rule: det.score_extracted(ex, rule, fn) for rule in ("mean", "run")}
            tr = next((t for t in res["mean"]["tracks"] if t["deciding"]), None)
            clips.append({"path": c["path"], "group": g, "y": c["y"], "frames": len(ex["times"]),
                          "mean": res["mean"]["score"], "run": res["run"]["score"],
                          "drift": tr["identity_drift"] if tr else float("nan"),
                          "frame_scores": [s for e in res["mean"]["timeline"] for s in [e["score"]] if s is not None]})
    y = np.array([c["y"] for c in clips])
    out = {"n_clips": len(clips), "groups": len(groups), "clips": clips}
    for k in ("mean", "run", "drift"):
        s = np.array([np.nan if c[k] is None else c[k] for c in clips], np.float64)
        ok = ~np.isnan(s)
        out[f"auc_{k}"] = metrics.roc_auc(y[ok], s[ok])
    fy = np.concatenate([[c["y"]] * len(c["frame_scores"]) for c in clips])
    out["auc_frames"] = metrics.roc_auc(fy, np.concatenate([c["frame_scores"] for c in clips]))
    return out


def run(cfg: dict, ctx: dict, res: dict) -> dict:
    """The group-out clip scores and what the overall verdict lines make of them (shipped rule cfg video.rule)."""
    cal, th = res["calibration"]["params"], res["calibration"]["thresholds"]
    det = extraction_detector(yunet_path(repo_root()))
    v = video_folds(cfg, ctx["data"], ctx["feats"], ctx["train_clips"], ctx["serve_clips"], det, cal)
    rule = cfg["video"]["rule"]
    vreal = [c[rule] for c in v["clips"] if c["y"] == 0 and c[rule] is not None]
    v["rule"] = rule
    v["real_called_fake"] = float(np.mean(np.array(vreal) >= th["upper"])) if vreal else float("nan")
    v["real_called_fake_n"] = f"{int(np.sum(np.array(vreal) >= th['upper']))}/{len(vreal)}"
    v["fake_called_real"] = float(np.mean([c[rule] <= th["lower"] for c in v["clips"]
                                           if c["y"] == 1 and c[rule] is not None]))
    return v


def sections(cfg: dict, res: dict) -> list:
    v, th = res["video"], res["calibration"]["thresholds"]
    rows = [[c["path"].split("/")[-1], c["group"], "fake" if c["y"] else "real", c["frames"], num(c["mean"]),
             num(c["run"]), num(c["drift"])] for c in v["clips"]]
    head = md_table(["rule (whole clips, leave-one-group-out)", "AUC"],
                    [["mean score of the deciding face track (shipped rule)" if v["rule"] == "mean" else "mean of the track", num(v["auc_mean"])],
                     ["best run of 3 consecutive frames" + (" (shipped rule)" if v["rule"] == "run" else ""), num(v["auc_run"])],
                     ["identity drift alone (median cosine distance between consecutive embeddings)", num(v["auc_drift"])],
                     ["single frames (every sampled face, no aggregation)", num(v["auc_frames"])]])
    return [("Video (DeepFaceLive)",
             f"{v['n_clips']} DeepFaceLive clips (13 real left halves, 13 swapped right halves of the same footage), "
             f"{v['groups']} face-model groups; each clip scored by a head fitted without any frame of its group, "
             "through the serving aggregation.\n\n" + head +
             f"\n\nReal clips called likely_fake (overall upper line {th['upper']:.3f}): {v['real_called_fake_n']} "
             f"({pct(v['real_called_fake'])}); swapped clips called likely_real: {pct(v['fake_called_real'])}. "
             "These 13 real clips are all the real footage there is here (no other real video exists in "
             "../shared); the false-positive rate is measured on them alone.\n\n"
             + md_table(["clip", "group", "label", "frames", "mean", "run", "drift"], rows))]
