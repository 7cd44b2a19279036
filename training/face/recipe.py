"""Face-manipulation model: frozen CLIP ViT-B/16 features of YuNet face crops -> logistic-regression head
(numpy-evaluated npz, server.detectors.face_manipulation.FaceHead).

data      training.face.data: the face crops of every face source and of the general set's portraits
features  training.face.features: their CLIP features per variant; the DeepFaceLive clips' frames
heads     training.face.heads: one head's training set (`assemble`) and its fit
train     fits the shipped head on everything and writes models/<model_file> (npz) + runs/<name>/train_info.json
evaluate  training.face.evaluate (every fold, calibration, card, manifest entry)
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fakescope.training.config import limit_threads, repo_root
from fakescope.training.face.video import load_clips, training_frames
from fakescope.training.face.features import load_images
from fakescope.training.face.heads import assemble, fit_head, head_scores, save_head


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    data, feats = load_images(cfg, smoke)
    clips = load_clips(cfg, "train_frames", smoke)
    frames = training_frames(clips)
    rows = np.flatnonzero(data["source"] != "")
    X, y, w = assemble(data, feats, rows, frames, cfg)
    head = fit_head(X, y, w, cfg)
    out_dir = Path(out_dir)
    path = save_head(head, out_dir / "model.npz")
    p = head_scores(head, X)
    info = {"smoke": smoke, "n_train": int(len(y)), "n_fake": int(y.sum()), "n_images": int(len(rows)),
            "n_video_frames": int(len(frames[1])), "C": cfg["train"]["C"], "features": cfg["train"].get("features"),
            "weighting": cfg["train"].get("weighting", "sqrt"),
            "train_log_loss": float(-np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)))}
    (out_dir / "train_info.json").write_text(json.dumps(info, indent=2))
    summary = {"model": str(path), **info}
    if not smoke:
        dest = repo_root() / "models" / cfg["model_file"]
        save_head(head, dest)
        summary["published"] = str(dest)
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.face.evaluate import evaluate_face

    return evaluate_face(cfg, smoke)
