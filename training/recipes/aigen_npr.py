"""The NPR-style AI-image model v1 (models/aigen_npr_v1.keras): whole images -> web augmentation ->
standardize_image -> npr_cnn. No longer shipped; kept as the comparison row of the v2 card (scored on the
same folds by aigen_eval) and for the face recipe's Xception baseline, which reuses fit_images."""
from __future__ import annotations

import numpy as np

from fakescope.server.features.image import INPUT_SIZE, standardize_image, to_model_input
from fakescope.training.augment_image import web_augment
from fakescope.training.config import set_seed


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

    from fakescope.training.architectures import build
    from fakescope.training.metrics import roc_auc

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
