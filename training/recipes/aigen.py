"""AI-generated-image recipe: whole images -> web augmentation -> standardize_image -> npr_cnn.

train: a leave-source-out model for each source in cfg["holdout_sources"] (the general set holds
       generators the face sets never show), then the shipped model on a group split; publishes it.
evaluate: card, plots and manifest entry (training/recipes/aigen_eval.py).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from server.features.image import INPUT_SIZE, standardize_image, to_model_input
from training.augment_image import web_augment
from training.config import cache_dir, limit_threads, repo_root, resolve_path, set_seed
from training.recipes.face_data import group_holdout
from training.recipes.image_data import build_image_cache


def load_data(cfg: dict, smoke: bool) -> dict:
    return build_image_cache(resolve_path(cfg["data"]["images"]), cache_dir() / "vision",
                             limit=cfg["smoke"]["limit"] if smoke else None)


def split(data: dict, cfg: dict):
    val = group_holdout(data["group"], cfg["split"]["val_fraction"], cfg["split"]["seed"])
    return ~val, val


def predict_images(model, images: np.ndarray, batch: int = 128, degrade=None) -> np.ndarray:
    out = []
    for s in range(0, len(images), batch):
        xs = [standardize_image(degrade(i) if degrade else i) for i in images[s:s + batch]]
        out.append(np.asarray(model.predict_on_batch(to_model_input(xs))).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def fit_images(data: dict, tr: np.ndarray, va: np.ndarray, arch: str, t: dict, epochs: int, seed: int,
               arch_kwargs: dict | None = None, log=print):
    """Train `arch` on whole images with web augmentation on both classes, class-balanced by weights."""
    import keras

    from training.architectures import build
    from training.metrics import roc_auc

    set_seed(seed)
    rng = np.random.default_rng(seed)
    model = build(arch, input_size=INPUT_SIZE, **(arch_kwargs or {}))
    idx, y = np.flatnonzero(tr), data["label"].astype(np.float32)
    pos = y[idx].mean()
    w = {1: 0.5 / max(pos, 1e-3), 0: 0.5 / max(1 - pos, 1e-3)}  # the pool is imbalanced per source
    steps = int(np.ceil(len(idx) / t["batch_size"])) * epochs
    lr = keras.optimizers.schedules.CosineDecay(t["lr"], max(1, steps), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    for ep in range(epochs):
        losses = []
        order = rng.permutation(idx)
        for s in range(0, len(idx), t["batch_size"]):
            b = order[s:s + t["batch_size"]]
            x = to_model_input([standardize_image(web_augment(data["images"][i], rng)) for i in b])
            sw = np.array([w[int(y[i])] for i in b], np.float32)
            losses.append(float(model.train_on_batch(x, y[b][:, None], sample_weight=sw)))
        vi = np.flatnonzero(va)
        auc = roc_auc(data["label"][vi], predict_images(model, data["images"][vi])) \
            if len(np.unique(data["label"][vi])) == 2 else float("nan")
        log(f"  epoch {ep + 1}/{epochs}: loss {np.mean(losses):.4f}  val AUC {auc:.4f} (n={len(vi)})")
    return model


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    data = load_data(cfg, smoke)
    tr, va = split(data, cfg)
    t = cfg["train"]
    epochs = 1 if smoke else t["epochs"]
    out_dir = Path(out_dir)
    summary = {}
    for src in ([] if smoke else cfg.get("holdout_sources", [])):
        ftr = tr & (data["source"] != src)
        fva = (data["source"] == src)
        print(f"fold without {src}: train {ftr.sum()}, validate {fva.sum()}")
        m = fit_images(data, ftr, fva, cfg["architecture"], t, t.get("fold_epochs", epochs), t["seed"])
        m.save(out_dir / f"holdout_{src}.keras")
        summary[f"holdout_{src}"] = str(out_dir / f"holdout_{src}.keras")
    print(f"shipped model: train {tr.sum()}, validate {va.sum()}")
    model = fit_images(data, tr, va, cfg["architecture"], t, epochs, t["seed"])
    model.save(out_dir / "model.keras")
    (out_dir / "train_info.json").write_text(json.dumps(
        {"n_train": int(tr.sum()), "n_val": int(va.sum()), "epochs": epochs, "smoke": smoke,
         "params": int(model.count_params())}, indent=2))
    summary["model"] = str(out_dir / "model.keras")
    if not smoke:
        shutil.copyfile(out_dir / "model.keras", repo_root() / "models" / cfg["model_file"])
        summary["published"] = cfg["model_file"]
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from training.recipes.aigen_eval import evaluate_aigen

    return evaluate_aigen(cfg, smoke)
