"""Face model fine-tuning on frames of the paired DeepFaceLive clips, with a GROUP-wise cross-validation.

The 26 clips are 13 real/swapped pairs of the same footage in 9 face-model groups. Frames (~1 fps, the
serving sampler) are cropped with the serving face path and cached. For each of `folds` group folds the
published image model is fine-tuned on the frames of the other groups (mixed with image-set crops and
self-blended fakes, so the image task is not forgotten) and the clips of the held-out groups are scored
as whole clips by the SERVING aggregation (FaceManipulationDetector.analyse_video). No clip is ever
scored by a model that saw its group: the cross-validated AUC is the estimate the card reports.
`finetune_all` then fine-tunes on every group; its in-sample video AUC is NOT an estimate.

Run by `train face` when the config has "video_finetune" (or alone: python -m training.recipes.face_video).
"""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np

from server.detectors.face_manipulation import FaceManipulationDetector
from server.features import video as vid
from server.features.face import FaceFinder, crop_face, standardize, to_model_input
from training import metrics
from training.augment_image import self_blend, web_augment
from training.config import cache_dir, limit_threads, load_config, repo_root, resolve_path, set_seed
from training.recipes.face_data import yunet_path


def clip_rows(video_dir: Path) -> list[dict]:
    with open(video_dir / "MANIFEST.csv", newline="") as f:
        return list(csv.DictReader(f))


def frame_cache(video_dir: Path, vcfg: dict, repo: Path) -> dict:
    """Top-face crop of every sampled frame of every clip (serving sampler + crop), cached on disk."""
    rows = clip_rows(video_dir)
    key = hashlib.sha1(json.dumps([vcfg, [r["sha256"] for r in rows]]).encode()).hexdigest()[:10]
    path = cache_dir() / "vision" / f"video_frames_{key}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    finder = FaceFinder(yunet_path(repo))
    crops, lms, clip = [], [], []
    for ci, r in enumerate(rows):
        for _, frame in vid.sample_video(video_dir / r["path"], vcfg["every_seconds"], vcfg["max_frames"]):
            faces = finder.find(frame, max_faces=1)
            if faces:
                c, lm = crop_face(frame, faces[0].box, landmarks=faces[0].landmarks)
                crops.append(c)
                lms.append(lm)
                clip.append(ci)
    clip = np.array(clip)
    data = {"crops": np.stack(crops), "landmarks": np.stack(lms).astype(np.float32), "clip": clip,
            "label": np.array([int(rows[c]["label"] == "fake") for c in clip], np.int32),
            "group": np.array([rows[c]["group"] for c in clip])}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


def group_folds(groups, k: int, seed: int) -> dict:
    """Group -> fold index: groups sorted by a seeded hash, dealt round-robin (balanced, deterministic)."""
    uniq = sorted(set(groups), key=lambda g: hashlib.sha1(f"{seed}:{g}".encode()).hexdigest())
    return {g: i % k for i, g in enumerate(uniq)}


def finetune(model_path: Path, frames: dict, fidx: np.ndarray, images: dict, img_idx: np.ndarray,
             vcfg: dict, seed: int):
    """Fine-tune a copy of the published model: every batch = frame crops (real halves label 0, swapped 1)
    + image-set crops, 1/3 of the image reals turned into self-blended fakes; web augmentation on all."""
    import keras

    set_seed(seed)
    rng = np.random.default_rng(seed)
    model = keras.saving.load_model(str(model_path), compile=False)
    model.compile(optimizer=keras.optimizers.Adam(vcfg["lr"]), loss="binary_crossentropy")
    half = vcfg["batch_size"] // 2
    steps = int(np.ceil(len(fidx) / half)) * vcfg["epochs"]
    for _ in range(steps):
        xs, ys = [], []
        for i in rng.choice(fidx, half):
            xs.append(standardize(web_augment(frames["crops"][i], rng)))
            ys.append(float(frames["label"][i]))
        for i in rng.choice(img_idx, half):
            img, lab = images["crops"][i], float(images["label"][i])
            if lab == 0 and rng.random() < 0.33:
                img, lab = self_blend(img, images["landmarks"][i], rng), 1.0
            xs.append(standardize(web_augment(img, rng)))
            ys.append(lab)
        model.train_on_batch(to_model_input(xs), np.array(ys, np.float32)[:, None])
    return model


def clip_scores(model, rows: list[dict], video_dir: Path, vcfg: dict, repo: Path) -> np.ndarray:
    """Whole-clip scores by the serving aggregation (uncalibrated: the run rule is rank-preserving)."""
    det = FaceManipulationDetector(model, {"calibration": None, "thresholds": None}, {"yunet": yunet_path(repo)})
    out = []
    for r in rows:
        s = det.analyse_video(video_dir / r["path"], vcfg["every_seconds"], vcfg["max_frames"])["score"]
        out.append(0.5 if s is None else s)
    return np.array(out)


def video_cv(cfg: dict, model_path: Path, images: dict, img_idx: np.ndarray, out_dir: Path) -> dict:
    repo = repo_root()
    vdir = resolve_path(cfg["data"]["video"])
    vf = cfg["video_finetune"]
    rows = clip_rows(vdir)
    frames = frame_cache(vdir, cfg["video"], repo)
    fold_of = group_folds([r["group"] for r in rows], vf["folds"], cfg["train"]["seed"])
    y = np.array([int(r["label"] == "fake") for r in rows])
    before = clip_scores(_load(model_path), rows, vdir, cfg["video"], repo)
    cv = np.zeros(len(rows))
    for k in range(vf["folds"]):
        test = np.array([fold_of[r["group"]] == k for r in rows])
        fidx = np.flatnonzero(~test[frames["clip"]])
        m = finetune(model_path, frames, fidx, images, img_idx, vf, cfg["train"]["seed"] + k)
        cv[test] = clip_scores(m, [r for r, t in zip(rows, test) if t], vdir, cfg["video"], repo)
        print(f"video fold {k}: {int(test.sum())} held-out clips, fine-tuned on {len(fidx)} frames", flush=True)
    res = {"n_clips": len(rows), "n_frames": int(len(frames["clip"])), "folds": vf["folds"],
           "auc_before": metrics.roc_auc(y, before), "auc_cv": metrics.roc_auc(y, cv),
           "fold_of_group": fold_of, "clips": [{"path": r["path"], "label": int(l), "before": round(float(b), 4),
                                                "cv": round(float(c), 4)} for r, l, b, c in zip(rows, y, before, cv)]}
    (Path(out_dir) / "video_cv.json").write_text(json.dumps(res, indent=2))
    return res


def finetune_all(cfg: dict, model_path: Path, images: dict, img_idx: np.ndarray) -> object:
    frames = frame_cache(resolve_path(cfg["data"]["video"]), cfg["video"], repo_root())
    return finetune(model_path, frames, np.arange(len(frames["clip"])), images, img_idx,
                    cfg["video_finetune"], cfg["train"]["seed"] + 99)


def _load(path):
    import keras

    return keras.saving.load_model(str(path), compile=False)


def run(cfg: dict, out_dir: Path, publish: bool) -> dict:
    """CV on the image-only model at out_dir/model_image.keras, then (publish) the all-groups fine-tune."""
    from training.recipes.face import load_data, split, stop_slice

    images = load_data(cfg, False)
    train_m, _ = split(images, cfg)
    img_idx = np.flatnonzero(train_m & ~stop_slice(images, train_m, cfg))
    base = Path(out_dir) / "model_image.keras"
    res = video_cv(cfg, base, images, img_idx, out_dir)
    print(f"video whole-clip AUC: before {res['auc_before']:.4f}, group-CV after fine-tuning {res['auc_cv']:.4f}")
    if publish:
        m = finetune_all(cfg, base, images, img_idx)
        m.save(Path(out_dir) / "model.keras")
        m.save(repo_root() / "models" / cfg["model_file"])
    return res


if __name__ == "__main__":
    import sys

    c = load_config("face")
    limit_threads(c["train"].get("threads", 2))
    print(run(c, repo_root() / "runs" / c["name"], publish="--publish" in sys.argv))
