"""AI-generated-image detector: a whole-image model on up-sampling residuals (NPR-style), for pictures
with or without faces. Its limits (trained on a small pool of generators) are stated in its model card."""
from __future__ import annotations

import threading
import time

import numpy as np

from .. import calibration
from ..features.image import standardize_image, to_model_input
from ..media.decode import DecodeError
from ..verdict import band
from .base import Context, Detector, register

MIN_SIDE = 64   # below this there is too little texture for a residual-based model


@register
class AIImageDetector(Detector):
    name = "ai_image"
    kinds = ("image",)
    model_key = "ai_image"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._lock = threading.Lock()

    def score_images(self, images: list[np.ndarray]) -> np.ndarray:
        """Calibrated scores for decoded RGB images (one batched call)."""
        x = to_model_input([standardize_image(i) for i in images])
        with self._lock:
            raw = np.asarray(self.model.predict_on_batch(x)).reshape(-1)
        return np.asarray(calibration.apply(raw, self.entry.get("calibration")), dtype=np.float64)

    def warmup(self) -> None:
        self.score_images([np.zeros((128, 128, 3), np.uint8)])

    def predict(self, media, ctx: Context) -> dict:
        t0 = time.perf_counter()
        try:
            rgb = media.image()
        except DecodeError as exc:
            return self.not_applicable(f"image could not be decoded: {exc}")
        if min(rgb.shape[:2]) < MIN_SIDE:
            return self.not_applicable(f"image smaller than {MIN_SIDE} px on a side")
        ctx.progress("ai_image", 0.3)
        score = float(self.score_images([rgb])[0])
        ctx.progress("ai_image", 1.0)
        th = self.entry.get("thresholds") or {"lower": 0.3, "upper": 0.7}
        return self.result(score, band(score, th["lower"], th["upper"]),
                           timings={"total": round(time.perf_counter() - t0, 3)})
