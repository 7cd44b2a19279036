"""The DeepFaceLive clips for the v2 face model: serving extraction (sampling, faces, crops, CLIP features
by FaceManipulationDetector.extract_video) cached per clip, training frames, and the group-wise
(leave-one-face-model-group-out) clip scores.

The 26 clips are 13 real/swapped pairs of the same footage in 9 face-model groups; a clip is only ever
scored by a head that saw no frame of its group.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.server.detectors.face_manipulation import FaceManipulationDetector
from fakescope.server.features.face import ENCODER_SIZE, face_encoder
from fakescope.training.cache import cached_arrays, key_of
from fakescope.training.config import cache_dir, repo_root, resolve_path
from fakescope.training.evaluation import metrics
from fakescope.training.face import heads as H
from fakescope.training.face.data import yunet_path
from fakescope.training.face.features import feature_spec


def clip_rows(video_dir: Path) -> list[dict]:
    with open(Path(video_dir) / "MANIFEST.csv", newline="") as f:
        return list(csv.DictReader(f))


def extraction_detector(yunet: Path, encoder=None) -> FaceManipulationDetector:
    """A detector without a head: only the serving extraction (finder + crops + encoder) is used."""
    return FaceManipulationDetector(None, {}, {"yunet": yunet}, encoder=encoder)


def extract_clip(det: FaceManipulationDetector, path: Path, sha: str, settings: dict, cache_root: Path) -> dict:
    """det.extract_video for one clip, cached by (clip sha256, settings, feature spec at det's encoder size)."""
    key = key_of(feature_spec(det.encoder().size), sha, settings["every_seconds"], settings["max_frames"], settings["faces_per_frame"])

    def compute():
        ex = det.extract_video(path, settings["every_seconds"], settings["max_frames"], settings["faces_per_frame"])
        frame = [i for i, b in enumerate(ex["boxes"]) for _ in b]
        slot = [j for b in ex["boxes"] for j in range(len(b))]
        boxes = [bx for b in ex["boxes"] for bx in b]
        feats = [f for fs in ex["features"] for f in fs]
        return {"times": np.array(ex["times"], np.float64), "frame": np.array(frame, np.int32),
                "slot": np.array(slot, np.int32), "boxes": np.array(boxes, np.float64).reshape(-1, 4),
                "features": np.array(feats, np.float32).reshape(len(feats), -1)}

    return cached_arrays(Path(cache_root) / "face_v2" / "clips" / f"{key[:20]}.npz", compute)


def as_extraction(arr: dict) -> dict:
    """Cached flat arrays -> the per-frame structure score_extracted takes."""
    n = len(arr["times"])
    boxes = [[] for _ in range(n)]
    feats = [[] for _ in range(n)]
    for f, b, x in zip(arr["frame"], arr["boxes"], arr["features"]):
        boxes[f].append(list(b))
        feats[f].append(x)
    return {"times": list(arr["times"]), "boxes": boxes,
            "features": [np.array(x, np.float32).reshape(len(x), -1) for x in feats]}


def all_clips(video_dir: Path, yunet: Path, settings: dict, cache_root: Path, encoder=None, log=print,
              limit: int | None = None) -> list[dict]:
    """Every clip's manifest row with its cached extraction under "ex" (limit: an evenly spaced subset)."""
    det = extraction_detector(yunet, encoder)
    rows = clip_rows(video_dir)
    if limit:
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    out = []
    for r in rows:
        arr = extract_clip(det, Path(video_dir) / r["path"], r["sha256"], settings, cache_root)
        out.append({**r, "y": int(r["label"] == "fake"), "ex": arr})
    if log:
        log(f"  clips: {len(out)} extracted ({json.dumps(settings)})", flush=True)
    return out


def training_frames(clips: list[dict], groups: set | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group) of the best face (slot 0) of every sampled frame of the clips whose group
    is in `groups` (all when None). A second face in a frame (an overlay photo) is not used for training:
    in a swapped clip only the main face is the swap."""
    xs, ys, gs = [], [], []
    for c in clips:
        if groups is not None and c["group"] not in groups:
            continue
        m = c["ex"]["slot"] == 0
        xs.append(c["ex"]["features"][m])
        ys += [c["y"]] * int(m.sum())
        gs += [c["group"]] * int(m.sum())
    if not xs:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.int32), np.zeros(0, str)
    return np.concatenate(xs), np.array(ys, np.int32), np.array(gs)


def load_clips(cfg: dict, which: str, smoke: bool = False, log=print, size: int = ENCODER_SIZE) -> list[dict]:
    """The clips' cached serving extraction; which = "train_frames" (denser sampling) or "serving"."""
    settings = cfg["video"]["train_frames"] if which == "train_frames" else serving_video(cfg)
    return all_clips(resolve_path(cfg["data"]["video"]), yunet_path(repo_root()), settings, cache_dir(),
                        encoder=face_encoder(size), log=log, limit=cfg["smoke"].get("clips", 4) if smoke else None)


def serving_video(cfg: dict) -> dict:
    v = cfg["video"]
    return {"every_seconds": v["every_seconds"], "max_frames": v["max_frames"], "faces_per_frame": v["faces_per_frame"]}


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
