"""Face-set data for the face and AI-image recipes: manifest rows, the on-disk crop cache, group splits.

Crops are made once with the SAME server.features.face functions serving uses (YuNet box -> fixed-margin
crop at CROP_SIZE) and cached under .cache/vision/, so training epochs never re-run face detection.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

from server.features.face import CROP_SIZE, MARGIN, FaceFinder, crop_face
from server.media.decode import DecodeError, load_image
from training.cache import cached_arrays

FACE_SOURCES = ("ciplab_rff", "utkface", "sdfd_sd21", "stylegan_faces", "ffhq")
GENERAL_SOURCES = ("kurlyto_aiornot",)


def manifest_rows(images_dir: Path, sources=FACE_SOURCES) -> list[dict]:
    with open(images_dir / "MANIFEST.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if r["source"] in sources]


def yunet_path(repo: Path) -> Path:
    return repo / "models" / "yunet" / "face_detection_yunet_2023mar.onnx"


def build_crop_cache(images_dir: Path, repo: Path, cache_dir: Path, limit: int | None = None,
                     sources=FACE_SOURCES) -> dict:
    """Detect + crop every face-set image once; returns arrays (crops, landmarks, label, meta columns).
    The cache file name hashes the crop parameters, so changing MARGIN/CROP_SIZE rebuilds it."""
    rows = manifest_rows(images_dir, sources)
    if limit:
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    key = hashlib.sha1(f"{MARGIN}-{CROP_SIZE}-{len(rows)}-{rows[0]['path']}-{rows[-1]['path']}".encode()).hexdigest()[:10]
    return cached_arrays(cache_dir / f"face_crops_{key}.npz", lambda: _crop_all(images_dir, repo, rows))


def _crop_all(images_dir: Path, repo: Path, rows: list[dict]) -> dict:
    finder = FaceFinder(yunet_path(repo))
    crops, lms, keep, missed = [], [], [], []
    for r in rows:
        try:
            rgb = load_image(images_dir / r["path"])
        except DecodeError:
            missed.append(r["path"])
            continue
        faces = finder.find(rgb, max_faces=1)
        if not faces:
            missed.append(r["path"])
            continue
        c, lm = crop_face(rgb, faces[0].box, landmarks=faces[0].landmarks)
        crops.append(c)
        lms.append(lm)
        keep.append(r)
    return {
        "crops": np.stack(crops).astype(np.uint8),
        "landmarks": np.stack(lms).astype(np.float32),
        "label": np.array([1 if r["label"] == "fake" else 0 for r in keep], np.int32),
        "source": np.array([r["source"] for r in keep]),
        "system": np.array([r["system"] for r in keep]),
        "group": np.array([r["group"] for r in keep]),
        "path": np.array([r["path"] for r in keep]),
        "missed": np.array(missed if missed else [""]),
    }


def group_holdout(groups: np.ndarray, frac: float, seed: int) -> np.ndarray:
    """Boolean mask of rows whose group is held out. A group's side depends only on (seed, group name),
    never on which other rows are present, so a subset (tests, smoke runs) gets the same split."""
    def side(g: str) -> float:
        return int.from_bytes(hashlib.sha1(f"{seed}:{g}".encode()).digest()[:8], "big") / 2.0 ** 64

    sides = {g: side(str(g)) for g in np.unique(groups)}
    return np.array([sides[g] < frac for g in groups])


def generator_of(source: str) -> str:
    """Coarse generator family used for leave-generator-out folds."""
    return {"sdfd_sd21": "sd", "stylegan_faces": "stylegan", "ciplab_rff": "photoshop"}.get(source, "real")
