"""Data of the v2 face model: face crops of every face source at the encoder's size, and their CLIP
features in four variants, cached under .cache/face_v2/.

Rows: the face sources of ../shared/datasets/images (the generated / edited / real face sets and the nine
face-swap / reenactment sources with their inputs), plus the images of the general set whose best face is
a clear portrait (modern generators' faces, camera and Unsplash photos, paintings). CIPLAB's tight `crop__` copies are dropped: they are
the same photos as `full160__` (same group) and the fixed-margin crop of a tight crop is mostly edge
replication. Each image gives its best YuNet face (server.features.face, the serving code).

Feature variants (all through server.features.face.crop_features, the serving feature function):
    clean     the crop as served
    aug       border smear (p 0.3) + web_augment (JPEG 50-95, resize, blur, noise), both classes
    sbi       real rows only: a self-blended fake of the crop (label 1), then web_augment
    degraded  0.5x resize + JPEG q60 (the robustness condition of the evaluation)
Every random draw is seeded by (seed, variant, file sha256), so a subset (smoke run, test) gets the same
numbers as the full run, and features are cached in chunks (a killed run resumes).
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import cv2
import numpy as np

from fakescope.server.encoders.clip import MIDDLE_LAYER
from fakescope.server.features.face import (ENCODER_CROP, ENCODER_SIZE, FEATURE_DIM, MARGIN, FaceFinder, crop_features,
                                            encoder_crop, face_encoder, jpeg_roundtrip)
from fakescope.server.media.decode import DecodeError, load_image
from fakescope.training.augment_image import border_smear, self_blend, web_augment
from fakescope.training.cache import cached, cached_arrays, key_of

SWAP_SOURCES = ("simswap", "ghost_swap", "e4s", "reliableswap", "megafs", "infoswap", "mcnet_reenact",
                "inswapper", "blendface")
FACE_SOURCES_V2 = ("ciplab_rff", "utkface", "ffhq", "sdfd_sd21", "stylegan_faces") + SWAP_SOURCES
# the general set: only images whose best face is large and clear (a portrait, not a crowd in the back)
GENERAL_SOURCES = ("kurlyto_aiornot", "gpt4o_cases", "nano_banana", "kolors", "stable_cascade", "flux",
                   "deepfloyd_if", "sgm_sdxl", "kandinsky3", "pixart_alpha", "metadata_extractor", "exif_samples")
GENERAL_MIN_FACE = 0.15   # face box side / image side
GENERAL_MIN_SCORE = 0.8
VARIANTS = ("clean", "aug", "sbi", "degraded")


def feature_spec(size: int = ENCODER_SIZE) -> str:
    """What a cached feature row is, at the encoder input `size` (face-2.1's 224 px features had no ":in"
    part: their caches keep their keys)."""
    inp = f":in{size}" if size != ENCODER_CROP else ""
    return f"clip_vit_b16_int8:emb+meantok+l{MIDDLE_LAYER}cls+meantok:crop{ENCODER_CROP}{inp}:m{MARGIN}:jpeg90:v2"


FEATURE_SPEC = feature_spec()
CROP_SPEC = f"yunet-best-face:crop{ENCODER_CROP}:m{MARGIN}:v1"  # the crops do not depend on the features
CHUNK = 128


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
        # shortcut-check columns: image size, face size relative to the image, YuNet confidence
        meta.append([np.log(w), np.log(h), max(faces[0].box[2:]) / max(w, h), faces[0].score])
    col = lambda k: np.array([r[k] for r in keep])  # noqa: E731
    return {"crops": np.stack(crops).astype(np.uint8), "landmarks": np.stack(lms).astype(np.float32),
            "label": np.array([int(r["label"] == "fake") for r in keep], np.int32),
            "source": col("source"), "system": col("system"), "group": col("group"), "path": col("path"),
            "sha256": col("sha256"), "meta": np.array(meta, np.float32), "missed": np.array(missed or [""])}


def variant_image(variant: str, crop: np.ndarray, lm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The pixels a feature variant is computed from (training only; serving uses the clean crop)."""
    if variant == "clean":
        return crop
    if variant == "degraded":
        return degrade_web(crop)
    if variant == "aug":
        img = border_smear(crop, rng) if rng.random() < 0.3 else crop
        return web_augment(img, rng)
    if variant == "sbi":
        return web_augment(self_blend(crop, lm, rng), rng)
    raise ValueError(f"unknown variant {variant!r}")


def row_rng(seed: int, variant: str, sha: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha1(f"{seed}:{variant}:{sha}".encode()).digest()[:8], "big"))


def row_key(variant: str, seed: int, sha: str, spec: str = FEATURE_SPEC) -> str:
    """Cache key of one image's features in one variant (spec: what is cached, default the features)."""
    return key_of(spec, variant, seed if variant in ("aug", "sbi") else 0, sha)[:24]


def features(data: dict, variant: str, cache_root: Path, seed: int = 1, rows: np.ndarray | None = None,
             size: int = ENCODER_SIZE, log=print) -> np.ndarray:
    """(len(rows), FEATURE_DIM) features of `variant` for the given rows (default all), cached per image
    (<cache>/face_v2/<variant>/<key>.npy, key = feature spec at encoder input `size` + variant + seed +
    file sha256)."""
    spec = feature_spec(size)
    idx = np.arange(len(data["sha256"])) if rows is None else np.asarray(rows)
    folder = Path(cache_root) / "face_v2" / variant
    out = np.zeros((len(idx), FEATURE_DIM), np.float32)
    done = 0
    for k, i in enumerate(idx):
        sha = str(data["sha256"][i])
        key = row_key(variant, seed, sha, spec)
        out[k] = cached(f"face_v2/{variant}", key, lambda i=i, sha=sha: crop_features(
            variant_image(variant, data["crops"][i], data["landmarks"][i], row_rng(seed, variant, sha)),
            face_encoder(size)),
            root=cache_root)
        done += 1
        if log and done % CHUNK == 0:
            log(f"  features {variant}: {done}/{len(idx)}", flush=True)
    return out


def subset_rows(data: dict, per_source: int, seed: int = 0) -> np.ndarray:
    """At most `per_source` rows of every source (a fixed hash order of file sha256): the rows the
    degraded condition is measured on (encoding every image twice more would cost ~10 min of CPU)."""
    keep = []
    for s in np.unique(data["source"]):
        rows = np.flatnonzero(data["source"] == s)
        order = sorted(rows, key=lambda i: hashlib.sha1(f"{seed}:{data['sha256'][i]}".encode()).hexdigest())
        keep += order[:per_source]
    return np.array(sorted(keep), dtype=int)
