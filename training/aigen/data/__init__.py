"""Data of the AI-image model: which files (MANIFEST.csv rows of ../shared/datasets/images), their variants
(clean, augmented, degraded) and the generator family of every fake. Their CLIP features are in
training.aigen.features; the v3 pool of real-only collections is data.pool, the pinned offline real pictures
data.offline_reals.

Every variant goes through server.features.image.clip_whole_image, the function the detector calls on
the decoded upload, so training features and serving features are computed the same way.

Variants (each one encoder call per image):
  clean       the file as decoded
  aug<k>      aigen_augment with seed (k, file sha256): random down-scale 0.5-1.0 and JPEG q50-95, applied
              to BOTH classes so neither JPEG history nor size can carry the label
  web60half   half size, then JPEG q60: the robustness check ("after JPEG q60 + half size")
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from fakescope.server.features.face import jpeg_roundtrip
from fakescope.server.features.image import MIN_SIDE

# General (non-face-crop) sources: the task of this detector.
GENERAL_SOURCES = ("kurlyto_aiornot", "gpt4o_cases", "nano_banana", "kolors", "stable_cascade", "flux",
                   "deepfloyd_if", "sgm_sdxl", "kandinsky3", "pixart_alpha", "metadata_extractor",
                   "exif_samples")
# Whole images of face sources that may be added as extra training reals/fakes (config "face_sources").
# CIPLAB fakes are Photoshop edits and its tight crops are 14-115 px: only its 160 px real photos.
FACE_SOURCES = ("utkface", "ffhq", "ciplab_rff", "sdfd_sd21", "stylegan_faces")
# Files whose shorter side is under this are left out (4 over-split grid strips of flux/stable_cascade):
# the half-size check must stay above the detector's MIN_SIDE, below which it answers not_applicable.
MIN_TRAIN_SIDE = 2 * MIN_SIDE
# generator family of a fake `system` (first matching key, case-insensitive): what the family folds hold out
FAMILIES = (
    ("gan", ("gan", "stylegan")),
    ("multimodal_llm", ("gpt-4o", "gpt-image", "gemini")),
    ("stable_diffusion", ("stable diffusion", "sdxl", "stable cascade", "sd 2.1")),
    ("dit_flow", ("flux", "pixart")),
    ("other_diffusion", ("kolors", "midjourney", "deepfloyd", "kandinsky")),
)


def family(system: str) -> str:
    s = system.lower()
    for name, keys in FAMILIES:
        if any(k in s for k in keys):
            return name
    raise ValueError(f"no generator family for system {system!r}")


def keep_row(row: dict, sources: set) -> bool:
    if row["source"] not in sources or min(int(row["width"]), int(row["height"])) < MIN_TRAIN_SIDE:
        return False
    if row["source"] == "ciplab_rff":
        return row["label"] == "real" and row["path"].split("/")[-1].startswith("full160__")
    return True


def load_table(images_dir: Path, sources, limit_per_source: int | None = None) -> dict[str, np.ndarray]:
    """MANIFEST.csv rows of `sources` as columns (label: 1 = fake, 0 = real), in manifest order.
    limit_per_source keeps an evenly spaced subset of each source (smoke runs)."""
    with open(Path(images_dir) / "MANIFEST.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if keep_row(r, set(sources))]
    if limit_per_source:
        by_src: dict[str, list] = {}
        for r in rows:
            by_src.setdefault(r["source"], []).append(r)
        rows = [r for rs in by_src.values() for r in rs[:: max(1, len(rs) // limit_per_source)][:limit_per_source]]
    if not rows:
        raise ValueError(f"no rows of {sorted(sources)} in {images_dir}/MANIFEST.csv")
    cols = {k: np.array([r[k] for r in rows]) for k in ("path", "source", "system", "group", "sha256")}
    cols["label"] = np.array([1 if r["label"] == "fake" else 0 for r in rows], np.int64)
    return cols


def aigen_augment(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Training augmentation for both classes: mirror, random down-scale (kept small, as web copies are),
    JPEG at a random quality 50-95."""
    out = rgb[:, ::-1] if rng.random() < 0.5 else rgb
    if rng.random() < 0.6:
        h, w = out.shape[:2]
        f = rng.uniform(0.5, 1.0)
        if min(h, w) * f >= 80:
            out = cv2.resize(out, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.85:
        out = jpeg_roundtrip(np.ascontiguousarray(out), int(rng.integers(50, 96)))
    return np.ascontiguousarray(out)


def degrade_web(rgb: np.ndarray) -> np.ndarray:
    """Half size (area), then JPEG q60: what a re-shared copy looks like."""
    h, w = rgb.shape[:2]
    return jpeg_roundtrip(cv2.resize(rgb, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA), 60)


def variant_image(rgb: np.ndarray, variant: str, sha256: str) -> np.ndarray:
    if variant == "clean":
        return rgb
    if variant == "web60half":
        return degrade_web(rgb)
    if variant.startswith("aug"):
        rng = np.random.default_rng([int(variant[3:]), int(sha256[:12], 16)])
        return aigen_augment(rgb, rng)
    raise ValueError(f"unknown variant {variant!r}")


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
