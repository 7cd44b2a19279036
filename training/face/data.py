"""Data of the face model: the best YuNet face of every face-source image and of the general set's clear
portraits, cropped as the server crops it (server.features.face), cached under .cache/face_v2/.

Rows: the face sources of ../shared/datasets/images (the generated / edited / real face sets and the nine
face-swap / reenactment sources with their inputs), plus the images of the general set whose best face is
a clear portrait (modern generators' faces, camera and Unsplash photos, paintings). CIPLAB's tight `crop__`
copies are dropped: they are the same photos as `full160__` (same group) and the fixed-margin crop of a
tight crop is mostly edge replication. Their features: training.face.features.

Clips: the 26 DeepFaceLive clips of ../shared/datasets/video (13 real / swapped pairs of the same footage in
9 face-model groups); their serving extraction is cached by training.face.features."""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from fakescope.server.features.face import ENCODER_CROP, MARGIN, FaceFinder, encoder_crop, jpeg_roundtrip
from fakescope.server.media.decode import DecodeError, load_image
from fakescope.training.cache import cached_arrays, key_of

SWAP_SOURCES = ("simswap", "ghost_swap", "e4s", "reliableswap", "megafs", "infoswap", "mcnet_reenact",
                "inswapper", "blendface")
FACE_SOURCES_V2 = ("ciplab_rff", "utkface", "ffhq", "sdfd_sd21", "stylegan_faces") + SWAP_SOURCES
# the general set: only images whose best face is large and clear (a portrait, not a crowd in the back)
GENERAL_SOURCES = ("kurlyto_aiornot", "gpt4o_cases", "nano_banana", "kolors", "stable_cascade", "flux",
                   "deepfloyd_if", "sgm_sdxl", "kandinsky3", "pixart_alpha", "metadata_extractor", "exif_samples")
GENERAL_MIN_FACE = 0.15   # face box side / image side
GENERAL_MIN_SCORE = 0.8
VARIANTS = ("clean", "aug", "sbi", "degraded")


CROP_SPEC = f"yunet-best-face:crop{ENCODER_CROP}:m{MARGIN}:v1"  # the crops do not depend on the features


def family_of(source: str) -> str:
    """Generator / manipulation family for leave-family-out folds (real-only sources: 'real')."""
    if source in SWAP_SOURCES:
        return "face_swap"
    if source in GENERAL_SOURCES:
        return "general_set_faces"
    return {"sdfd_sd21": "diffusion", "stylegan_faces": "gan", "ciplab_rff": "photoshop"}.get(source, "real")


def image_rows(images_dir: Path, general: bool = True) -> list[dict]:
    keep = FACE_SOURCES_V2 + (GENERAL_SOURCES if general else ())
    with open(Path(images_dir) / "MANIFEST.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["source"] in keep]
    return [r for r in rows if not (r["source"] == "ciplab_rff" and "/crop__" in "/" + r["path"].rsplit("/", 1)[-1])]


def degrade_web(img: np.ndarray) -> np.ndarray:
    """The robustness condition: 0.5x resize then JPEG quality 60."""
    h, w = img.shape[:2]
    return jpeg_roundtrip(cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA), 60)


def build_crops(images_dir: Path, yunet: Path, cache_root: Path, limit: int | None = None) -> dict:
    """Best face of every row at ENCODER_CROP px with landmarks and shortcut-check metadata (cached)."""
    rows = image_rows(images_dir)
    if limit:
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    key = key_of(CROP_SPEC, [r["sha256"] for r in rows])[:16]
    return cached_arrays(Path(cache_root) / "face_v2" / f"crops_{key}.npz",
                         lambda: _crop_rows(Path(images_dir), yunet, rows))


def _crop_rows(images_dir: Path, yunet: Path, rows: list[dict]) -> dict:
    finder = FaceFinder(yunet)
    crops, lms, keep, meta, missed = [], [], [], [], []
    for r in rows:
        try:
            rgb = load_image(images_dir / r["path"])
        except DecodeError:
            missed.append(r["path"])
            continue
        faces = finder.find(rgb, max_faces=1)
        h, w = rgb.shape[:2]
        if faces and r["source"] in GENERAL_SOURCES and (
                faces[0].score < GENERAL_MIN_SCORE or max(faces[0].box[2:]) < GENERAL_MIN_FACE * max(w, h)):
            continue  # a general image without a clear portrait face: not a face-model sample
        if not faces:
            if r["source"] not in GENERAL_SOURCES:
                missed.append(r["path"])
            continue
        c, lm = encoder_crop(rgb, faces[0].box, landmarks=faces[0].landmarks)
        crops.append(c)
        lms.append(lm)
        keep.append(r)
        # file statistics (features.STATISTICS): image size, face size relative to the image, YuNet confidence;
        # computed here because they need the detector's box, cached with the crops
        meta.append([np.log(w), np.log(h), max(faces[0].box[2:]) / max(w, h), faces[0].score])
    col = lambda k: np.array([r[k] for r in keep])  # noqa: E731
    return {"crops": np.stack(crops).astype(np.uint8), "landmarks": np.stack(lms).astype(np.float32),
            "label": np.array([int(r["label"] == "fake") for r in keep], np.int32),
            "source": col("source"), "system": col("system"), "group": col("group"), "path": col("path"),
            "sha256": col("sha256"), "meta": np.array(meta, np.float32), "missed": np.array(missed or [""])}


def clip_rows(video_dir: Path) -> list[dict]:
    with open(Path(video_dir) / "MANIFEST.csv", newline="") as f:
        return list(csv.DictReader(f))


def yunet_path(repo: Path) -> Path:
    return repo / "models" / "yunet" / "face_detection_yunet_2023mar.onnx"
