"""AI-generated-image recipe v2: whole image -> CLIP ViT-B/16 embedding (server.features.image.
clip_whole_image, the serving function) -> logistic-regression head saved as npz.

train: fits the head on every configured source (clean + augmented variants of both classes) and
       publishes it to models/<model_file>; the held-out folds are fitted again by evaluate (seconds on
       cached features), so train does one thing.
evaluate: folds, comparison with v1, shortcut check, calibration, card and manifest entry
       (training/recipes/aigen_eval.py).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from fakescope.server.features.image import CLIP_INPUT
from fakescope.training.config import repo_root, resolve_path
from fakescope.training.recipes.aigen_data import features, load_table
from fakescope.training.recipes.aigen_head import fit_on
# v1 (NPR) training code, reused by the face recipe's Xception baseline
from fakescope.training.recipes.aigen_npr import fit_images, predict_images  # noqa: F401


def load(cfg: dict, smoke: bool = False, variants=None, log=print, size: int = CLIP_INPUT) -> tuple[dict, dict, Path]:
    """(table, {variant: features}, images_dir) for the configured sources (size: encoder input, another
    than CLIP_INPUT only for a card comparison row)."""
    images = resolve_path(cfg["data"]["images"])
    limit = cfg["smoke"]["limit_per_source"] if smoke else None
    table = load_table(images, tuple(cfg["sources"]) + tuple(cfg.get("face_sources", [])), limit)
    variants = variants or head_params(cfg, smoke)["train_variants"]
    return table, {v: features(table, images, v, log, size) for v in dict.fromkeys(variants)}, images


def head_params(cfg: dict, smoke: bool = False) -> dict:
    hp = dict(cfg["head"])
    if smoke:
        hp["train_variants"] = cfg["smoke"]["train_variants"]
    return hp


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    hp = head_params(cfg, smoke)
    table, feats, _ = load(cfg, smoke)
    idx = np.arange(len(table["label"]))
    head = fit_on(feats, table, idx, hp, cfg["seed"])
    out_dir = Path(out_dir)
    np.savez(out_dir / "model.npz", **head)
    n_train = len(idx) * len(hp["train_variants"])
    (out_dir / "train_info.json").write_text(json.dumps(
        {"n_images": len(idx), "n_train": n_train, "n_fake": int(table["label"].sum()),
         "variants": hp["train_variants"], "smoke": smoke, "head": hp,
         "sources": sorted(set(table["source"].tolist()))}, indent=2))
    summary = {"model": str(out_dir / "model.npz"), "images": len(idx), "training rows": n_train}
    if not smoke:
        shutil.copyfile(out_dir / "model.npz", repo_root() / "models" / cfg["model_file"])
        summary["published"] = cfg["model_file"]
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.recipes.aigen_eval import evaluate_aigen

    return evaluate_aigen(cfg, smoke)
