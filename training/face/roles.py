"""The face model's role per content type (manifest "content_roles", read by server/verdict.advisory_for).

face_picture: the model's headline fold kind over its image collections (the same figures as heldout_auc).
face_video:   the whole-clip AUC of the DeepFaceLive clips, each face-model group held out of training
              (training/face/video.py); one collection, so its worst fold is the same figure.
A content type decides only where both figures clear the floors of server/verdict.py."""
from __future__ import annotations


def content_roles(res: dict, rule: str) -> dict:
    head = res["fold_kinds"]["headline"]
    video = res["video"][f"auc_{rule}"]
    return {
        "face_picture": {"heldout_auc": round(head["mean"], 4), "heldout_worst_auc": round(head["worst"], 4),
                         "heldout_kind": head["kind"], "folds": head["n_folds"]},
        "face_video": {"heldout_auc": round(video, 4), "heldout_worst_auc": round(video, 4),
                       "heldout_kind": "DeepFaceLive clips, each face-model group held out", "folds": 1,
                       "clips": res["video"]["n_clips"]},
    }
