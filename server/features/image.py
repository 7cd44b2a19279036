"""Whole-image preprocessing for the AI-generated-image model, shared by training and serving.

The image is resized so its shorter side is RESIZE_SHORT px, centre-cropped to INPUT_SIZE and JPEG
re-encoded once, so every source (whatever its size and compression history) reaches the model the same
way. The up-sampling residual the model looks at is computed inside the model graph, not here.
"""
from __future__ import annotations

import cv2
import numpy as np

from .face import jpeg_roundtrip

INPUT_SIZE = 128
RESIZE_SHORT = 144
JPEG_QUALITY = 90


def resize_and_crop(rgb: np.ndarray, short: int = RESIZE_SHORT, side: int = INPUT_SIZE) -> np.ndarray:
    """Resize so the shorter side is `short` px, then centre-crop `side` x `side`. Training caches
    resize_and_crop(rgb, RESIZE_SHORT, RESIZE_SHORT) and augments it before standardize_image."""
    h, w = rgb.shape[:2]
    if min(h, w) < 8:
        raise ValueError(f"image too small ({w}x{h})")
    s = short / min(h, w)
    nw, nh = max(side, round(w * s)), max(side, round(h * s))
    out = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    y0, x0 = (nh - side) // 2, (nw - side) // 2
    return np.ascontiguousarray(out[y0:y0 + side, x0:x0 + side])


def standardize_image(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 of any size -> INPUT_SIZE x INPUT_SIZE RGB uint8 (resize, centre crop, re-encode)."""
    return jpeg_roundtrip(resize_and_crop(rgb, RESIZE_SHORT, INPUT_SIZE), JPEG_QUALITY)


def to_model_input(images) -> np.ndarray:
    return np.stack([np.asarray(i) for i in images]).astype(np.float32) / 255.0


# --- v2: whole-image CLIP features (the AI-image head's input; training and serving call this) ---
MIN_SIDE = 64  # below this CLIP's 224 px input would be mostly up-sampling blur
CLIP_INPUT = 224  # the AI-image head's encoder input (CLIP's own size)


def clip_whole_image(rgb: np.ndarray, encoder=None) -> np.ndarray:
    """The AI-image model's features: the CLIP ViT-B/16 projected embedding (512-d, L2-normalised) of the
    whole decoded RGB image, one encoder call at CLIP_INPUT px (CLIP's own resize + centre crop,
    server/encoders/clip.py)."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 RGB image, got {rgb.dtype} {rgb.shape}")
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise ValueError(f"image smaller than {MIN_SIDE} px on a side ({rgb.shape[1]}x{rgb.shape[0]})")
    if encoder is None:
        from ..encoders.clip import shared_encoder

        encoder = shared_encoder(size=CLIP_INPUT)
    return encoder.embed(rgb)
