"""The face model's head: its training set (`assemble`: face rows clean and augmented, self-blended fakes,
video frames; each (source, class) block weighted by 1/sqrt(size)) and its fit (standardise, L2 logistic
regression on the configured feature parts), stored as the npz that server.detectors.face_manipulation.FaceHead
evaluates (training scores every fold through it too); `model_rows`: the fold table and fit_score that
training.evaluation measures every shared fold kind with."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fakescope.server.detectors.face_manipulation import FaceHead
from fakescope.server.encoders.clip import EMBED_DIM, TOKEN_DIM
from fakescope.server.features.face import FEATURE_DIM
from fakescope.training.evaluation import measure
from fakescope.training.face.data import GENERAL_SOURCES, family_of


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
        rows = rows[~np.isin(data["source"][rows], GENERAL_SOURCES)]
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


def model_rows(data: dict, feats: dict, frames: tuple, cfg: dict) -> measure.Rows:
    """The face model as training.evaluation sees it: every image row testable, fakes by family; a fold's head
    is assembled and fitted like the shipped one, without the DeepFaceLive frames when face swaps are out."""
    y = data["label"]
    fam = np.array([family_of(s) if l_ else "real" for s, l_ in zip(data["source"], y)], dtype=object)
    table = {"label": y, "source": data["source"], "family": fam, "group": data["group"],
             "testable": np.ones(len(y), bool)}

    def fit_score(tr, te, held):
        head = fit_head(*assemble(data, feats, tr, None if "face_swap" in held else frames, cfg), cfg)
        return head_scores(head, feats["clean"][te])

    return measure.Rows(table, fit_score)
