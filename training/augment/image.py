"""Image augmentations for the face and AI-image models (training only; serving never augments).

- web_augment: what images suffer on the web (JPEG 50-95, down/up-scaling, blur, noise), applied with
  the same probabilities to BOTH classes so compression history stops separating the sources.
- border_smear: some sources (tight UTKFace/CIPLAB crops) reach the image edge, so the fixed-margin crop
  is filled by edge replication there. Smearing random borders of every class makes that uninformative.
- self_blend: a self-blended image (SBI, Shiohara & Yamasaki 2022): a real face blended with a slightly
  transformed copy of itself along a face-shaped mask. Label 1. It teaches blending boundaries and
  colour/sharpness mismatches without tying the model to any one face-swap generator.
"""
from __future__ import annotations

import cv2
import numpy as np

from fakescope.server.features.face import jpeg_roundtrip


def web_augment(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    out = img
    h, w = out.shape[:2]
    if rng.random() < 0.5:
        out = out[:, ::-1].copy()
    if rng.random() < 0.35 * strength:
        f = rng.uniform(0.45, 0.9)
        small = cv2.resize(out, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=[cv2.INTER_LINEAR, cv2.INTER_CUBIC][int(rng.integers(2))])
    if rng.random() < 0.2 * strength:
        k = int(rng.choice([3, 5]))
        out = cv2.GaussianBlur(out, (k, k), rng.uniform(0.3, 1.2))
    if rng.random() < 0.2 * strength:
        noise = rng.normal(0, rng.uniform(1.0, 6.0), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.7 * strength:
        out = jpeg_roundtrip(out, int(rng.integers(50, 96)))
    return np.ascontiguousarray(out)


def border_smear(img: np.ndarray, rng: np.random.Generator, max_frac: float = 0.18) -> np.ndarray:
    """Replace 1-2 random borders by edge replication of the inner pixels (as crop_face does at edges)."""
    h, w = img.shape[:2]
    t, b, l, r = 0, 0, 0, 0
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        n = int(rng.uniform(0.04, max_frac) * h)
        if side == 0:
            t = n
        elif side == 1:
            b = n
        elif side == 2:
            l = n
        else:
            r = n
    inner = img[t:h - b, l:w - r]
    return cv2.copyMakeBorder(inner, t, b, l, r, cv2.BORDER_REPLICATE)


def face_mask(shape, landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Soft face-region mask (float32 0..1) from the 5 YuNet landmarks: an ellipse around eyes, nose and
    mouth, randomly sized, or the landmarks' convex hull dilated; then blurred so the seam is soft."""
    h, w = shape[:2]
    m = np.zeros((h, w), np.float32)
    lm = landmarks.astype(np.float32)
    c = lm.mean(axis=0)
    eye_d = float(np.linalg.norm(lm[0] - lm[1])) + 1e-3
    if rng.random() < 0.6:
        ax = (eye_d * rng.uniform(0.9, 1.3), eye_d * rng.uniform(1.1, 1.6))
        ang = float(np.degrees(np.arctan2(lm[1, 1] - lm[0, 1], lm[1, 0] - lm[0, 0])))
        cv2.ellipse(m, (int(c[0]), int(c[1] + 0.1 * eye_d)), (int(ax[0]), int(ax[1])), ang, 0, 360, 1.0, -1)
    else:
        pts = lm.copy()
        pts = c + (pts - c) * rng.uniform(1.3, 1.8)  # hull of 5 points is the inner face: grow it
        pts = np.vstack([pts, [c[0], c[1] - 0.9 * eye_d]])  # include the forehead
        cv2.fillConvexPoly(m, cv2.convexHull(pts.astype(np.int32)), 1.0)
    k = int(rng.integers(2, 7)) * 2 + 1
    m = cv2.GaussianBlur(m, (k, k), 0)
    m = cv2.GaussianBlur(m, (k, k), 0)
    return m


def _perturb_copy(img: np.ndarray, rng: np.random.Generator, swap_artifacts: bool = False) -> np.ndarray:
    """The 'source' face of the blend: the same face with a colour, sharpness and small geometric change.
    swap_artifacts adds a saturation shift and a down/up-scaled (low-resolution render) source; measured
    in round 2 (with SBI rate 0.8): unseen-SD AUC fell (0.60 vs 0.67 at 4 epochs), so it is off by default."""
    out = img.astype(np.float32)
    out = out * rng.uniform(0.88, 1.12, size=3) + rng.uniform(-14, 14, size=3)  # per-channel gain/offset
    out = np.clip(out, 0, 255).astype(np.uint8)
    if swap_artifacts and rng.random() < 0.3:  # saturation shift: swapped faces often differ in colourfulness from the frame
        hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV).astype(np.float32)
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.75, 1.25), 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    r = rng.random()
    if swap_artifacts and r < 0.25:  # resolution mismatch: face-swap renders are generated small and up-scaled into the frame
        h0, w0 = out.shape[:2]
        f = rng.uniform(0.4, 0.8)
        out = cv2.resize(cv2.resize(out, (int(w0 * f), int(h0 * f)), interpolation=cv2.INTER_AREA), (w0, h0),
                         interpolation=cv2.INTER_LINEAR)
    elif r < (0.45 if swap_artifacts else 0.3):
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.5, 1.2))
    elif r < (0.6 if swap_artifacts else 0.5):
        blur = cv2.GaussianBlur(out, (0, 0), 1.0)
        out = cv2.addWeighted(out, 1.6, blur, -0.6, 0)  # unsharp mask
    h, w = img.shape[:2]
    s = rng.uniform(0.95, 1.05)
    tx, ty = rng.uniform(-0.03, 0.03, size=2) * w
    M = np.array([[s, 0, (1 - s) * w / 2 + tx], [0, s, (1 - s) * h / 2 + ty]], np.float32)
    return cv2.warpAffine(out, M, (w, h), borderMode=cv2.BORDER_REFLECT)


def self_blend(img: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator,
               swap_artifacts: bool = False) -> np.ndarray:
    """A self-blended fake from one real face crop and its landmarks (crop coordinates)."""
    src = _perturb_copy(img, rng, swap_artifacts)
    mask = face_mask(img.shape, landmarks, rng) * rng.choice([1.0, 1.0, rng.uniform(0.5, 1.0)])
    out = mask[..., None] * src.astype(np.float32) + (1 - mask[..., None]) * img.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
