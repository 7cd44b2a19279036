"""The reference design this project started from, trained on the same splits for the face card:
Xception-style at 128x128 on WHOLE images (no face crop), from scratch, a few epochs on CPU.

Run by `train face` when the config has a "baseline" section (or alone: python -m training.recipes.face_baseline).
Writes runs/<name>/baseline_xception.json, which `evaluate face` puts in the card.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from training import metrics
from training.config import cache_dir, limit_threads, load_config, repo_root, resolve_path
from training.recipes.aigen import fit_images, predict_images
from training.recipes.face_data import FACE_SOURCES, generator_of, group_holdout
from training.recipes.image_data import build_image_cache


def train_baseline(cfg: dict, out_dir: Path) -> dict:
    b = cfg["baseline"]
    data = build_image_cache(resolve_path(cfg["data"]["images"]), cache_dir() / "vision")
    face = np.isin(data["source"], FACE_SOURCES)
    val = group_holdout(data["group"], cfg["split"]["val_fraction"], cfg["split"]["seed"])
    gen = np.array([generator_of(s) for s in data["source"]])
    y = data["label"]
    t = {**cfg["train"], "batch_size": b.get("batch_size", 32)}
    out = {"epochs": b["epochs"], "auc": {}, "note": "whole images (resize + centre crop 128 px), no face crop; "
                                                     "CIPLAB Photoshop fakes not in the whole-image set"}
    for held in b.get("folds", []):
        tr = face & ~val & (gen != held)
        va = face & (((gen == held) & (y == 1)) | (val & (y == 0)))
        print(f"baseline fold without {held}: train {tr.sum()}, validate {va.sum()}")
        m = fit_images(data, tr, va, "xception_ref", t, b["epochs"], t["seed"])
        vi = np.flatnonzero(va)
        out["auc"][f"unseen {held}"] = metrics.roc_auc(y[vi], predict_images(m, data["images"][vi]))
    path = Path(out_dir) / "baseline_xception.json"
    path.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    limit_threads(1)
    c = load_config("face")
    print(train_baseline(c, repo_root() / "runs" / c["name"]))
