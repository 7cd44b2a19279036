"""Whole-image data for the AI-image model and the Xception baseline: a cache of every image resized so
its shorter side is RESIZE_SHORT and centre-cropped square (server.features.image.resize_and_crop, the
first half of standardize_image; augmentation happens between the halves in training)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

from fakescope.server.features.image import RESIZE_SHORT, resize_and_crop
from fakescope.server.media.decode import load_image
from fakescope.training.cache import cached_arrays

# CIPLAB fakes are Photoshop edits, not generated images; CIPLAB tight crops (14-115 px) would be
# upscaled into a blur that only real photos show.
def usable_for_aigen(row: dict) -> bool:
    if row["source"] == "smoke":
        return False
    if row["source"] == "ciplab_rff":
        return row["label"] == "real" and "/full160__" in "/" + row["path"].split("/")[-1]
    return True


def build_image_cache(images_dir: Path, cache_dir: Path, limit: int | None = None) -> dict:
    with open(images_dir / "MANIFEST.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if usable_for_aigen(r)]
    if limit:
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    key = hashlib.sha1(f"{RESIZE_SHORT}-{len(rows)}-{rows[0]['path']}-{rows[-1]['path']}".encode()).hexdigest()[:10]
    return cached_arrays(cache_dir / f"whole_images_{key}.npz", lambda: _load_all(images_dir, rows))


def _load_all(images_dir: Path, rows: list[dict]) -> dict:
    imgs = [resize_and_crop(load_image(images_dir / r["path"]), RESIZE_SHORT, RESIZE_SHORT) for r in rows]
    return {"images": np.stack(imgs).astype(np.uint8),
            "label": np.array([1 if r["label"] == "fake" else 0 for r in rows], np.int32),
            "source": np.array([r["source"] for r in rows]), "system": np.array([r["system"] for r in rows]),
            "group": np.array([r["group"] for r in rows]), "path": np.array([r["path"] for r in rows])}


def category(system: str) -> str:
    """Report categories of the general set (paintings exist in both classes; scenes are one-sided)."""
    s = system.lower()
    if "painting" in s:
        return "paintings"
    if "unsplash" in s:
        return "photos"
    if any(k in s for k in ("rental", "mountain", "beach")):
        return "gan_scenes"
    return "faces"
