"""AI-generated-image model: whole image -> CLIP ViT-B/16 embedding (server.features.image.clip_whole_image,
the serving function) -> logistic-regression head saved as npz.

data      training.aigen.data: which files, their variants (clean, augmented, degraded)
features  training.aigen.features: their CLIP features, cached per source and variant
heads     training.aigen.heads: the head's fit and scoring (and the v1 NPR CNN's scoring, a card row)
train     fits the head on every configured source (clean + augmented variants of both classes) and
          publishes it to models/<model_file>; the held-out folds are fitted again by evaluate
evaluate  training.aigen.evaluate: folds, comparison with v1, shortcut check, calibration, card, manifest
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from fakescope.training.aigen.features import load
from fakescope.training.aigen.heads import fit_on, head_params
from fakescope.training.config import repo_root


def training_set(cfg: dict, smoke: bool = False, variants=None) -> tuple[dict, dict, np.ndarray]:
    """(table, {variant: features}, training row indices): v2's general sources, or, when the config adds
    real-only collections ("extra_reals", "face_reals"), the union pool of training.aigen.world and the rows
    whose role is "train"."""
    hp = head_params(cfg, smoke)
    variants = list(variants or hp["train_variants"])
    if cfg.get("extra_reals") or cfg.get("face_reals"):
        from fakescope.training.aigen.world import load_union, training_mask

        table, feats = load_union(cfg, variants, smoke)
        return table, feats, np.flatnonzero(training_mask(table, cfg))
    table, feats, _ = load(cfg, smoke, variants=variants)
    return table, feats, np.arange(len(table["label"]))


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    hp = head_params(cfg, smoke)
    table, feats, idx = training_set(cfg, smoke)
    head = fit_on(feats, table, idx, hp, cfg["seed"])
    out_dir = Path(out_dir)
    np.savez(out_dir / "model.npz", **head)
    n_train = len(idx) * len(hp["train_variants"])
    (out_dir / "train_info.json").write_text(json.dumps(
        {"n_images": len(idx), "n_train": n_train, "n_fake": int(table["label"][idx].sum()),
         "variants": hp["train_variants"], "smoke": smoke, "head": hp,
         "sources": sorted(set(table["source"][idx].tolist()))}, indent=2))
    summary = {"model": str(out_dir / "model.npz"), "images": len(idx), "training rows": n_train}
    if not smoke:
        shutil.copyfile(out_dir / "model.npz", repo_root() / "models" / cfg["model_file"])
        summary["published"] = cfg["model_file"]
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.aigen.evaluate import evaluate_aigen

    return evaluate_aigen(cfg, smoke)
