"""Face-manipulation recipe v2: frozen CLIP ViT-B/16 features of YuNet face crops -> logistic-regression
head (numpy-evaluated npz, server.detectors.face_manipulation.FaceHead).

Training set of a head (the shipped one and every evaluation fold build it the same way, `assemble`):
  - the face-source rows it may use, clean and augmented (web_augment + border smear; both classes),
  - self-blended fakes made from those rows' REAL crops (label 1),
  - portrait faces of the general set (config "general_faces"),
  - the best face of every ~0.5 s frame of the DeepFaceLive clips of the allowed face-model groups
    (real halves 0, swapped halves 1).
Each (source, class) block is weighted by 1/sqrt(size) (config "weighting"), so the 2,000 CIPLAB photos
do not drown the nine small face-swap sources, without letting a 4-image source dominate either.

train: fits the shipped head on everything and writes models/<model_file> (npz) + runs/<name>/train_info.json.
evaluate: training/recipes/face_v2_eval.py (every fold, calibration, card, manifest entry).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fakescope.server.detectors.face_manipulation import FaceHead
from fakescope.server.encoders.clip import EMBED_DIM, TOKEN_DIM
from fakescope.server.features.face import ENCODER_SIZE, FEATURE_DIM, face_encoder
from fakescope.training.config import cache_dir, limit_threads, repo_root, resolve_path
from fakescope.training.recipes.face_data import yunet_path
from fakescope.training.recipes import face_v2_data as D
from fakescope.training.recipes import face_v2_video as VV


def load_images(cfg: dict, smoke: bool = False, log=print, size: int = ENCODER_SIZE) -> tuple[dict, dict]:
    """(crop data, features): "clean" of every row, "sbi" of every real row, "aug" and "degraded" of a
    fixed subset of at most N rows per source (config train.aug_per_source, eval.degraded_per_source;
    every extra variant is one more encoder call per image). Rows without a variant are zeros, marked
    False in "<variant>_rows". size: the encoder input (another than ENCODER_SIZE: a card comparison row)."""
    limit = cfg["smoke"]["limit"] if smoke else None
    data = D.build_crops(resolve_path(cfg["data"]["images"]), yunet_path(repo_root()), cache_dir(), limit)
    seed = cfg["train"]["seed"]
    feats = {"clean": D.features(data, "clean", cache_dir(), seed, size=size, log=log)}
    n = len(data["label"])
    plan = {"sbi": np.flatnonzero(data["label"] == 0),
            "degraded": D.subset_rows(data, cfg["eval"]["degraded_per_source"]),
            "aug": D.subset_rows(data, cfg["train"]["aug_per_source"])}  # loaded even when unused: an ablation
    for variant, rows in plan.items():
        arr = np.zeros_like(feats["clean"])
        mask = np.zeros(n, bool)
        if len(rows):
            arr[rows] = D.features(data, variant, cache_dir(), seed, rows=rows, size=size, log=log)
            mask[rows] = True
        feats[variant], feats[f"{variant}_rows"] = arr, mask
    return data, feats


def load_clips(cfg: dict, which: str, smoke: bool = False, log=print, size: int = ENCODER_SIZE) -> list[dict]:
    """The clips' cached serving extraction; which = "train_frames" (denser sampling) or "serving"."""
    settings = cfg["video"]["train_frames"] if which == "train_frames" else serving_video(cfg)
    return VV.all_clips(resolve_path(cfg["data"]["video"]), yunet_path(repo_root()), settings, cache_dir(),
                        encoder=face_encoder(size), log=log, limit=cfg["smoke"].get("clips", 4) if smoke else None)


def serving_video(cfg: dict) -> dict:
    v = cfg["video"]
    return {"every_seconds": v["every_seconds"], "max_frames": v["max_frames"], "faces_per_frame": v["faces_per_frame"]}


def block_weights(blocks: np.ndarray, how: str) -> np.ndarray:
    """Per-row weights from block names: 'none' -> 1; 'sqrt' -> 1/sqrt(block size); mean weight 1."""
    if how == "none":
        return np.ones(len(blocks))
    if how != "sqrt":
        raise ValueError(f"unknown weighting {how!r}")
    names, inv, counts = np.unique(blocks, return_inverse=True, return_counts=True)
    w = 1.0 / np.sqrt(counts[inv].astype(np.float64))
    return w * len(w) / w.sum()


def block_names(data: dict, rows: np.ndarray) -> np.ndarray:
    """'<source>:fake' / '<source>:real' per row: the blocks the weighting balances."""
    return np.char.add(data["source"][rows].astype(str), np.where(data["label"][rows] == 1, ":fake", ":real"))


def assemble(data: dict, feats: dict, rows: np.ndarray, frames: tuple | None, cfg: dict):
    """(X, y, weights) of one head's training set: the rows clean + augmented, SBI fakes of their reals,
    and the given video frames (features, labels)."""
    t = cfg["train"]
    rows = np.asarray(rows)
    if not t.get("general_faces", True):
        rows = rows[~np.isin(data["source"][rows], D.GENERAL_SOURCES)]
    reals = rows[data["label"][rows] == 0]
    xs = [feats["clean"][rows]]
    ys = [data["label"][rows]]
    bs = [block_names(data, rows)]
    aug = rows[feats["aug_rows"][rows]] if t.get("augmented", True) else rows[:0]
    if len(aug):
        xs.append(feats["aug"][aug])
        ys.append(data["label"][aug])
        bs.append(block_names(data, aug))
    if t.get("sbi", True) and len(reals):
        xs.append(feats["sbi"][reals])
        ys.append(np.ones(len(reals), np.int32))
        bs.append(np.full(len(reals), "sbi:fake"))
    if frames is not None and len(frames[0]):
        xs.append(frames[0])
        ys.append(frames[1])
        bs.append(np.where(frames[1] == 1, "deepfacelive:fake", "deepfacelive:real"))
    blocks = np.concatenate(bs)
    return np.concatenate(xs), np.concatenate(ys).astype(np.int32), block_weights(blocks, t.get("weighting", "sqrt"))


def fit_head(X: np.ndarray, y: np.ndarray, w: np.ndarray, cfg: dict) -> dict:
    """Standardise, then L2 logistic regression (C from the config) on the configured feature part;
    returns the npz arrays (weights of unused feature dims are 0)."""
    from sklearn.linear_model import LogisticRegression

    t = cfg["train"]
    use = feature_mask(t.get("features", "embed+tokens+middle"))
    mean = X.mean(axis=0).astype(np.float64)
    scale = X.std(axis=0).astype(np.float64) + 1e-6
    z = (X - mean) / scale
    lr = LogisticRegression(C=float(t["C"]), max_iter=3000, tol=1e-5)
    lr.fit(z[:, use], y, sample_weight=w)
    coef = np.zeros(FEATURE_DIM)
    coef[use] = lr.coef_[0]
    return {"mean": mean, "scale": scale, "w": coef, "b": np.array([float(lr.intercept_[0])])}


FEATURE_PARTS = {"embed": (0, EMBED_DIM), "tokens": (EMBED_DIM, EMBED_DIM + TOKEN_DIM),
                 "middle": (EMBED_DIM + TOKEN_DIM, FEATURE_DIM)}  # blocks of server.features.face.pooled_features


def feature_mask(which: str) -> np.ndarray:
    """Columns a head may use: '+'-joined parts of FEATURE_PARTS (e.g. "embed+tokens" = face-2.0's features)."""
    m = np.zeros(FEATURE_DIM, bool)
    for part in which.split("+"):
        if part not in FEATURE_PARTS:
            raise ValueError(f"unknown feature set {which!r} (parts: {', '.join(FEATURE_PARTS)})")
        m[slice(*FEATURE_PARTS[part])] = True
    return m


def head_scores(arrays: dict, X: np.ndarray) -> np.ndarray:
    """Raw probabilities of a head, through the serving FaceHead."""
    return FaceHead(arrays).probability(X) if len(X) else np.zeros(0)


def load_head(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def save_head(arrays: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: np.asarray(v, np.float32) for k, v in arrays.items()})
    return path


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    data, feats = load_images(cfg, smoke)
    clips = load_clips(cfg, "train_frames", smoke)
    frames = VV.training_frames(clips)
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
    from fakescope.training.recipes.face_v2_eval import evaluate_face_v2

    return evaluate_face_v2(cfg, smoke)
