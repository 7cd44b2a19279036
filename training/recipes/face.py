"""Face-manipulation recipe: YuNet crops (cached) -> augment (SBI + web) -> standardize -> face_cnn.

train: for each leave-generator-out fold in cfg["holdout_folds"] a model trained WITHOUT that generator
       (runs/<name>/holdout_<gen>.keras), then the shipped model on all generators minus a group-held-out
       validation split, published to models/<model_file>.
evaluate: see training/recipes/face_eval.py (card, plots, manifest entry).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from server.features.face import INPUT_SIZE, standardize, to_model_input
from training.augment_image import border_smear, self_blend, web_augment
from training.config import cache_dir, limit_threads, repo_root, resolve_path, set_seed
from training.recipes.face_data import build_crop_cache, generator_of, group_holdout


def load_data(cfg: dict, smoke: bool) -> dict:
    return build_crop_cache(resolve_path(cfg["data"]["images"]), repo_root(), cache_dir() / "vision",
                            limit=cfg["smoke"]["limit"] if smoke else None)


def split(data: dict, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (train, val) masks: val = a random share of GROUPS (never files) of every source.
    CIPLAB's tight `crop__` copies duplicate its 160 px photos (same group): they stay out of training
    (half the epoch for no new faces) but are kept in validation. `train` still contains the stop slice."""
    val = group_holdout(data["group"], cfg["split"]["val_fraction"], cfg["split"]["seed"])
    dup = np.char.find(data["path"].astype(str), "/crop__") >= 0
    return ~val & ~dup, val


def stop_slice(data: dict, train: np.ndarray, cfg: dict) -> np.ndarray:
    """A share of the TRAINING groups kept out of fitting: early stopping picks the epoch on it (never on
    validation half B, never on a held-out generator), and evaluate adds it to the calibration set."""
    frac = cfg["split"].get("stop_fraction", 0.0)
    return train & group_holdout(data["group"], frac, cfg["split"]["seed"] + 2) if frac else np.zeros_like(train)


def fold_masks(data: dict, train: np.ndarray, val: np.ndarray, held_gen: str):
    """Leave-generator-out: train without any fake of `held_gen`; validate on those fakes vs val reals."""
    gen = np.array([generator_of(s) for s in data["source"]])
    y = data["label"]
    tr = train & (gen != held_gen)
    va = (gen == held_gen) & (y == 1) | (val & (y == 0))
    return tr, va


class FaceBatches:
    """Epoch batches: cached crops, SBI fakes made from real crops, web augmentation on every sample."""

    def __init__(self, data: dict, idx: np.ndarray, batch: int, sbi_rate: float, seed: int, augment=True,
                 swap_artifacts: bool = False):
        self.swap_artifacts = swap_artifacts
        self.crops, self.lm, self.y = data["crops"], data["landmarks"], data["label"]
        self.idx, self.batch, self.sbi_rate, self.augment = idx, batch, sbi_rate, augment
        self.rng = np.random.default_rng(seed)

    def epoch(self):
        """(x, y) batches for one epoch: every sample once + sbi_rate x reals as self-blended fakes."""
        items = [(i, False) for i in self.idx]
        reals = self.idx[self.y[self.idx] == 0]
        if self.sbi_rate > 0 and len(reals):
            pick = self.rng.choice(reals, size=int(self.sbi_rate * len(reals)), replace=False)
            items += [(i, True) for i in pick]
        order = self.rng.permutation(len(items))
        for s in range(0, len(order), self.batch):
            xs, ys = [], []
            for k in order[s:s + self.batch]:
                i, sbi = items[k]
                img = self.crops[i]
                if sbi:
                    img = self_blend(img, self.lm[i], self.rng, self.swap_artifacts)
                if self.augment:
                    if self.rng.random() < 0.3:
                        img = border_smear(img, self.rng)
                    img = web_augment(img, self.rng)
                xs.append(standardize(img))
                ys.append(1.0 if sbi else float(self.y[i]))
            yield to_model_input(xs), np.array(ys, np.float32)[:, None]


def predict_crops(model, crops: np.ndarray, batch: int = 256, degrade=None) -> np.ndarray:
    """Raw model probabilities for cached crops, through the serving standardisation."""
    out = []
    for s in range(0, len(crops), batch):
        xs = [standardize(degrade(c) if degrade else c) for c in crops[s:s + batch]]
        out.append(np.asarray(model.predict_on_batch(to_model_input(xs))).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def fit_model(data: dict, tr: np.ndarray, va: np.ndarray, cfg: dict, epochs: int, seed: int, log=print,
              info: dict | None = None):
    """Adam + cosine decay for `epochs`; with a non-empty `va` (the stop slice) the weights of the epoch
    with the best slice AUC are kept and training stops after `patience` epochs without improvement.
    `info` (optional) receives the per-epoch training losses and the kept epoch."""
    import time

    import keras

    from training.architectures import build

    set_seed(seed)
    t = cfg["train"]
    model = build(cfg["architecture"], input_size=INPUT_SIZE, **cfg.get("architecture_kwargs", {}))
    gen = FaceBatches(data, np.flatnonzero(tr), t["batch_size"], t["sbi_rate"], seed,
                      swap_artifacts=t.get("sbi_swap_artifacts", False))
    steps = int(np.ceil(len(gen.idx) * (1 + t["sbi_rate"] * 0.5) / t["batch_size"])) * epochs
    lr = keras.optimizers.schedules.CosineDecay(t["lr"], max(1, steps), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    from training.metrics import roc_auc

    vi = np.flatnonzero(va)
    best, best_w, since = -1.0, None, 0
    info = {} if info is None else info
    info.update(losses=[], best_epoch=None, best_stop_auc=None)
    for ep in range(epochs):
        t0 = time.perf_counter()
        losses = [float(model.train_on_batch(x, y)) for x, y in gen.epoch()]
        p = predict_crops(model, data["crops"][vi]) if len(vi) else np.zeros(0)
        auc = roc_auc(data["label"][vi], p) if len(np.unique(data["label"][vi])) == 2 else float("nan")
        log(f"  epoch {ep + 1}/{epochs}: loss {np.mean(losses):.4f}  stop-slice AUC {auc:.4f} (n={len(vi)}) "
            f"{time.perf_counter() - t0:.0f} s", flush=True)
        info["losses"].append(round(float(np.mean(losses)), 4))
        if np.isnan(auc):
            continue
        if auc > best:
            best, best_w, since = auc, model.get_weights(), 0
            info.update(best_epoch=ep + 1, best_stop_auc=round(float(auc), 4))
        else:
            since += 1
            if since >= t.get("patience", epochs):
                log(f"  early stop: best stop-slice AUC {best:.4f}")
                break
    if best_w is not None:
        model.set_weights(best_w)
    return model


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    data = load_data(cfg, smoke)
    train_m, val_m = split(data, cfg)
    out_dir = Path(out_dir)
    t = cfg["train"]
    epochs = 1 if smoke else t["epochs"]
    summary = {}
    folds = [] if smoke else cfg.get("holdout_folds", [])
    stop = stop_slice(data, train_m, cfg)
    fit_m = train_m & ~stop
    for gen in folds:
        tr, _ = fold_masks(data, fit_m, val_m, gen)
        st = stop & (np.array([generator_of(s) for s in data["source"]]) != gen)
        print(f"fold without {gen}: train {tr.sum()} crops, stop slice {st.sum()}", flush=True)
        m = fit_model(data, tr, st, cfg, t.get("fold_epochs", epochs), t["seed"])
        m.save(out_dir / f"holdout_{gen}.keras")
        summary[f"holdout_{gen}"] = str(out_dir / f"holdout_{gen}.keras")
    reuse = cfg.get("baseline", {}).get("reuse") and (out_dir / "baseline_xception.json").exists()
    if cfg.get("baseline") and not smoke and not reuse:
        from training.recipes.face_baseline import train_baseline

        summary["baseline"] = train_baseline(cfg, out_dir)
    print(f"shipped model: train {fit_m.sum()} crops, stop slice {stop.sum()}", flush=True)
    fit_info: dict = {}
    model = fit_model(data, fit_m, stop, cfg, epochs, t["seed"], info=fit_info)
    path = out_dir / "model.keras"
    model.save(path)
    (out_dir / "train_info.json").write_text(json.dumps(
        {"n_train": int(fit_m.sum()), "n_stop": int(stop.sum()), "n_val": int(val_m.sum()), "epochs": epochs, "smoke": smoke,
         "folds": folds, "params": int(model.count_params()),
         "losses": fit_info["losses"], "best_epoch": fit_info["best_epoch"],
         "best_stop_auc": fit_info["best_stop_auc"]}, indent=2))
    summary["model"] = str(path)
    if not smoke:
        dest = repo_root() / "models" / cfg["model_file"]
        shutil.copyfile(path, dest)
        summary["published"] = str(dest)
        if cfg.get("video_finetune"):  # group-CV on the paired clips, then the all-groups fine-tune is shipped
            from training.recipes.face_video import run as video_run

            shutil.copyfile(path, out_dir / "model_image.keras")
            summary["video_auc_group_cv"] = video_run(cfg, out_dir, publish=True)["auc_cv"]
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from training.recipes.face_eval import evaluate_face

    return evaluate_face(cfg, smoke)
