"""Data of the AI-image head v2: which files, their variants (clean, augmented, degraded) and their CLIP
features, cached under .cache/aigen/ per source and variant.

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

from fakescope.server.encoders.artifacts import ARTIFACTS
from fakescope.server.encoders.clip import ARTIFACT as CLIP_ARTIFACT, SIZE as CLIP_SIZE, shared_encoder
from fakescope.server.features.face import jpeg_roundtrip
from fakescope.server.features.image import CLIP_INPUT, MIN_SIDE, clip_whole_image
from fakescope.server.media.decode import load_image
from fakescope.training.cache import cached, key_of

# General (non-face-crop) sources: the task of this detector.
GENERAL_SOURCES = ("kurlyto_aiornot", "gpt4o_cases", "nano_banana", "kolors", "stable_cascade", "flux",
                   "deepfloyd_if", "sgm_sdxl", "kandinsky3", "pixart_alpha", "metadata_extractor",
                   "exif_samples")
# Whole images of face sources that may be added as extra training reals/fakes (config "face_sources").
# CIPLAB fakes are Photoshop edits and its tight crops are 14-115 px: only its 160 px real photos.
FACE_SOURCES = ("utkface", "ffhq", "ciplab_rff", "sdfd_sd21", "stylegan_faces")
# what a cached feature depends on: this spec, the pinned encoder file and (in the key) the variant and file
FEATURE_SPEC = ("whole_image/v1", ARTIFACTS[CLIP_ARTIFACT].members)
# Files whose shorter side is under this are left out (4 over-split grid strips of flux/stable_cascade):
# the half-size check must stay above the detector's MIN_SIDE, below which it answers not_applicable.
MIN_TRAIN_SIDE = 2 * MIN_SIDE


def feature_spec(size: int = CLIP_INPUT) -> tuple:
    """FEATURE_SPEC at encoder input `size` (another than CLIP_INPUT: a card comparison row only; CLIP's own
    224 px keeps the key it always had)."""
    return FEATURE_SPEC if size == CLIP_SIZE else FEATURE_SPEC + (f"input{size}",)


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


def file_features(path: Path, variant: str = "clean", sha256: str = "0" * 12, encoder=None) -> np.ndarray:
    """One file -> its 512-d feature for `variant` (decode exactly as the server does, then the shared
    feature function)."""
    return clip_whole_image(variant_image(load_image(path), variant, sha256), encoder)


def features(table: dict, images_dir: Path, variant: str, log=print, size: int = CLIP_INPUT) -> np.ndarray:
    """(N, 512) features of every row for `variant`, cached per source (a killed run keeps finished
    sources). The cache key covers the feature spec (with the encoder input `size`), the variant and every
    file's sha256."""
    out = np.zeros((len(table["path"]), 512), np.float32)
    for src in dict.fromkeys(table["source"]):
        idx = np.flatnonzero(table["source"] == src)
        key = key_of(feature_spec(size), variant, list(table["sha256"][idx]))

        def compute(idx=idx, src=src):
            log(f"  CLIP features: {src} ({len(idx)} images, {variant})")
            encoder = shared_encoder(size=size)
            return np.stack([file_features(Path(images_dir) / table["path"][i], variant, table["sha256"][i], encoder)
                             for i in idx]).astype(np.float32)

        out[idx] = cached("aigen", f"{src}-{variant}-{key}", compute)
    return out
