"""Face finding (YuNet), fixed-margin cropping and crop standardisation.

The shipped v2 face model (CLIP features) and its training go through the same functions:
    faces = FaceFinder(onnx).find(rgb)            # boxes in original-image pixels
    crop  = encoder_crop(rgb, face.box)           # square, fixed margin, ENCODER_CROP px
    f     = crop_features(crop)                   # ENCODER_SIZE px, one JPEG q90 re-encode, CLIP -> FEATURE_DIM
                                                  # (last layer + the tapped middle layer, pooled)
The v1 CNN (face_cnn_v1.keras, no longer shipped) is still scored as the card's comparison row through
crop_face -> standardize (resize to INPUT_SIZE + JPEG re-encode) -> to_model_input (float32 in [0, 1]).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..encoders.clip import EMBED_DIM, MIDDLE_LAYER, TOKEN_DIM, shared_encoder

MARGIN = 1.3          # crop side = MARGIN * longer box side, centred on the box
CROP_SIZE = 128       # cached crop size (augmentations such as self-blending work at this size)
INPUT_SIZE = 96       # model input size
JPEG_QUALITY = 90     # the one re-encode every crop gets, so no class keeps its own compression history
DETECT_MAX_SIDE = 640  # larger frames are downscaled for detection; boxes are scaled back
MIN_SCORE = 0.6
ENCODER_CROP = 224    # v2: crops are cut (and cached for training) at CLIP's own input size ...
ENCODER_SIZE = 192    # ... and the encoder sees them at 192 px: 144 patches instead of 196, ~0.7x the
                      # encoder time, so a photo's face check and a minute of video fit issue 9's budgets
                      # (the face card's rows: 224 px is a little more accurate on source folds, 160 px less)
# v2 (face-2.1 on): projected CLIP embedding, mean of the last layer's patch tokens, and the middle
# layer's CLS token and mean patch token, each L2-normalised (face-2.0 had the first two blocks only)
FEATURE_DIM = EMBED_DIM + 3 * TOKEN_DIM


@dataclass
class Face:
    box: tuple[float, float, float, float]   # x, y, w, h in original-image pixels
    landmarks: np.ndarray                    # (5, 2): right eye, left eye, nose, right/left mouth corner
    score: float                             # YuNet confidence

    def as_dict(self) -> dict:
        return {"box": [round(float(v), 1) for v in self.box], "detector_score": round(float(self.score), 3)}


class FaceFinder:
    """Thread-safe wrapper around cv2.FaceDetectorYN (the OpenCV object is stateful: input size)."""

    def __init__(self, onnx_path: str | Path, min_score: float = MIN_SCORE, min_face: int = 24):
        if not Path(onnx_path).exists():
            raise FileNotFoundError(f"YuNet model not found: {onnx_path}")
        self._det = cv2.FaceDetectorYN.create(str(onnx_path), "", (320, 320), min_score, 0.3, 5000)
        self._lock = threading.Lock()
        self.min_face = min_face

    def find(self, rgb: np.ndarray, max_faces: int = 8) -> list[Face]:
        """Faces in an RGB uint8 image, best first. Small images are upscaled so tight crops still work."""
        h, w = rgb.shape[:2]
        scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
        if max(h, w) < 160:  # tight face crops (CIPLAB, avatars): YuNet needs some context and size
            scale = 160 / max(h, w)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if scale != 1.0:
            bgr = cv2.resize(bgr, (max(1, round(w * scale)), max(1, round(h * scale))),
                             interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        with self._lock:
            self._det.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, raw = self._det.detect(bgr)
        faces = []
        for f in (raw if raw is not None else []):
            box = tuple(float(v) / scale for v in f[:4])
            if max(box[2], box[3]) < self.min_face * min(1.0, scale):
                continue
            faces.append(Face(box, f[4:14].reshape(5, 2).astype(np.float32) / scale, float(f[14])))
        faces.sort(key=lambda fc: -fc.score)
        return faces[:max_faces]


def crop_window(box, margin: float = MARGIN) -> tuple[int, int, int]:
    """Square window (x0, y0, side) around a face box, enlarged by the fixed margin."""
    x, y, w, h = box
    side = max(2, int(round(max(w, h) * margin)))
    cx, cy = x + w / 2.0, y + h / 2.0
    return int(round(cx - side / 2.0)), int(round(cy - side / 2.0)), side


def crop_face(rgb: np.ndarray, box, size: int = CROP_SIZE, margin: float = MARGIN,
              landmarks: np.ndarray | None = None):
    """Fixed-margin square crop resized to `size` px. Outside the image is filled by edge replication,
    so faces at the border keep the same scale instead of being stretched.
    With `landmarks`, also returns them in crop coordinates (for self-blended training images)."""
    x0, y0, side = crop_window(box, margin)
    h, w = rgb.shape[:2]
    pad = max(0, -x0, -y0, x0 + side - w, y0 + side - h)
    src = rgb
    if pad:
        src = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    patch = src[y0 + pad:y0 + pad + side, x0 + pad:x0 + pad + side]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    crop = cv2.resize(patch, (size, size), interpolation=interp)
    if landmarks is None:
        return crop
    lm = (np.asarray(landmarks, np.float32) - [x0, y0]) * (size / side)
    return crop, lm.astype(np.float32)


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def standardize(crop: np.ndarray) -> np.ndarray:
    """The last step before the model for every crop: resize to INPUT_SIZE, one JPEG re-encode."""
    if crop.shape[:2] != (INPUT_SIZE, INPUT_SIZE):
        crop = cv2.resize(crop, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
    return jpeg_roundtrip(crop, JPEG_QUALITY)


def to_model_input(crops) -> np.ndarray:
    """Standardised uint8 crops -> float32 batch in [0, 1] (N, INPUT_SIZE, INPUT_SIZE, 3)."""
    arr = np.stack([np.asarray(c) for c in crops]).astype(np.float32)
    return arr / 255.0


# -- v2: pretrained-encoder features ---------------------------------------------------------------------
def encoder_crop(rgb: np.ndarray, box, landmarks: np.ndarray | None = None):
    """The fixed-margin face window at the encoder's input size (landmarks: also returned, crop coords)."""
    return crop_face(rgb, box, size=ENCODER_CROP, landmarks=landmarks)


def crop_features(crop: np.ndarray, encoder=None) -> np.ndarray:
    """THE feature function of the v2 face model, for training and serving alike: one crop (any size,
    normally ENCODER_CROP) -> the encoder's input size (face_encoder: ENCODER_SIZE), one JPEG q90 re-encode
    (no class keeps its own compression history) -> CLIP ViT-B/16 with the middle layer tapped ->
    pooled_features: (FEATURE_DIM,) float32."""
    crop = _valid_crop(crop)  # first: a bad crop never reaches the encoder
    enc = encoder or face_encoder()
    pixels = encoder_input(crop, enc.size)
    emb, tokens, hidden = enc.run_taps(pixels)
    return pooled_features(emb, tokens, hidden[enc.taps.index(MIDDLE_LAYER)])


def encoder_input(crop: np.ndarray, size: int = ENCODER_SIZE) -> np.ndarray:
    """The pixels the encoder sees for a face crop: `size` px, re-encoded once at JPEG q90."""
    crop = _valid_crop(crop)
    if crop.shape[:2] != (size, size):
        interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_CUBIC
        crop = cv2.resize(crop, (size, size), interpolation=interp)
    return jpeg_roundtrip(crop.astype(np.uint8), JPEG_QUALITY)


def _valid_crop(crop) -> np.ndarray:
    crop = np.asarray(crop)
    if crop.ndim != 3 or crop.shape[2] != 3 or min(crop.shape[:2]) < 8:
        raise ValueError(f"a face crop must be HxWx3 with sides >= 8, got {crop.shape}")
    return crop


def face_encoder(size: int = ENCODER_SIZE):
    """The CLIP session of the face model: ENCODER_SIZE px (another size: the card's comparison row only),
    the middle layer tapped; one per process."""
    return shared_encoder(taps=(MIDDLE_LAYER,), size=size)


def pooled_features(emb: np.ndarray, tokens: np.ndarray, middle: np.ndarray) -> np.ndarray:
    """[embedding, last layer's mean patch token, middle layer's CLS token, its mean patch token] (tokens
    and middle: (1 + patches) x 768, CLS first), each L2-normalised: (FEATURE_DIM,) float32."""
    tokens, middle = np.asarray(tokens, np.float32), np.asarray(middle, np.float32)
    parts = [np.asarray(emb, np.float32), tokens[1:].mean(axis=0), middle[0], middle[1:].mean(axis=0)]
    return np.concatenate([p / max(float(np.linalg.norm(p)), 1e-8) for p in parts]).astype(np.float32)
