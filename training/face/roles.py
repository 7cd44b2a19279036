"""The face model's role and verdict bands per content type (manifest "content_roles", read by
server/verdict.advisory_for and thresholds_for).

face_picture: the model's headline fold kind over its image collections (the same figures as heldout_auc);
              bands placed on those folds' out-of-fold scores, calibrated as served.
face_video:   the whole-clip AUC of the DeepFaceLive clips, each face-model group held out of training
              (training/face/video.py); one collection, so its worst fold is the same figure; bands placed
              on those clips' group-out scores.
Bands: training/evaluation/bands.py (each band right >= 90 % at even odds, no collection's reals above the
upper line more than 5 %, no collection's fakes below the lower more than 10 %). A content type decides where
its mean held-out AUC clears server/verdict.py's floor and at least one band could be placed."""
from __future__ import annotations

import numpy as np

from fakescope.training.evaluation.bands import MEASURED, precision_bands


def _entry(auc: float, worst: float, kind: str, folds: int, bands: dict, **more) -> dict:
    th = {"lower": bands["lower"], "upper": bands["upper"]}
    return {"heldout_auc": round(auc, 4), "heldout_worst_auc": round(worst, 4), "heldout_kind": kind,
            "folds": folds, **more, "thresholds": th,
            "bands_measured": {k: None if bands[k] is None else round(bands[k], 4) for k in MEASURED}}


def picture_bands(y, p_calibrated, collection) -> dict:
    return precision_bands(y, p_calibrated, collection)


def video_bands(res: dict, rule: str) -> dict:
    clips = [c for c in res["video"]["clips"] if c[rule] is not None]
    y = np.array([c["y"] for c in clips])
    return precision_bands(y, np.array([c[rule] for c in clips]), ["deepfacelive"] * len(clips))


def content_roles(res: dict, rule: str, picture: dict) -> dict:
    """`picture`: precision_bands of the face pictures' collection-fold out-of-fold calibrated scores."""
    head = res["fold_kinds"]["headline"]
    video = res["video"][f"auc_{rule}"]
    return {
        "face_picture": _entry(head["mean"], head["worst"], head["kind"], head["n_folds"], picture),
        "face_video": _entry(video, video, "DeepFaceLive clips, each face-model group held out", 1,
                             video_bands(res, rule), clips=res["video"]["n_clips"]),
    }
