"""AI-generated-image detector v2: a small head (logistic regression, numpy) on the CLIP ViT-B/16
embedding of the whole image (server.features.image.clip_whole_image, the function training uses).
Its held-out figures, per source and per generator family, are in models/cards/aigen.md.

The head file is an npz of plain arrays: "mu" and "sigma" (feature standardisation, 512) and either
"w" (512) + "b" (1) for a linear head, or "w1" (512xH), "b1" (H), "w2" (H), "b2" (1) for a one-hidden-
layer MLP (ReLU). The embedding is memoised on the Media record so another detector asking for the same
whole-image embedding does not pay a second encoder call."""
from __future__ import annotations

import time

import numpy as np

from .. import calibration, heads
from ..features.image import MIN_SIDE, clip_whole_image
from ..media.decode import DecodeError
from .base import Context, Detector, register

EMBEDDING_MEMO = "clip_whole_image"   # key in Media._decoded


def head_logit(head: dict, x: np.ndarray) -> np.ndarray:
    """Raw head output (logit of 'fake') for features x (N, 512) or (512,) (server.heads). Training
    evaluates its heads with this same function."""
    return heads.standardised_logit(x, head, mean="mu", scale="sigma")


def head_probability(head: dict, x: np.ndarray) -> np.ndarray:
    """Uncalibrated probability of 'fake' (the manifest's calibration is fitted on these)."""
    return heads.sigmoid(head_logit(head, x), clip=40.0)


def check_head(head) -> None:
    if not isinstance(head, dict) or "mu" not in head or "sigma" not in head or not (
            "w" in head or "w1" in head):
        raise ValueError("the ai_image model must be an npz head with mu, sigma and w (or w1/w2)")


@register
class AIImageDetector(Detector):
    name = "ai_image"
    kinds = ("image",)
    model_key = "ai_image"

    def __init__(self, *a, encoder=None, **kw):
        super().__init__(*a, **kw)
        if self.model is not None:
            check_head(self.model)
        self._encoder = encoder  # None: the process-wide shared CLIP session

    def score_embeddings(self, emb: np.ndarray) -> np.ndarray:
        """Calibrated scores for (N, 512) whole-image embeddings."""
        return np.asarray(calibration.apply(head_probability(self.model, emb), self.entry.get("calibration")),
                          dtype=np.float64)

    def embed(self, rgb: np.ndarray) -> np.ndarray:
        return clip_whole_image(rgb, self._encoder)

    def score_images(self, images: list[np.ndarray]) -> np.ndarray:
        """Calibrated scores for decoded RGB images (one encoder call each)."""
        return self.score_embeddings(np.stack([self.embed(i) for i in images]))

    def warmup(self) -> None:
        self.score_images([np.zeros((MIN_SIDE, MIN_SIDE, 3), np.uint8)])

    def predict(self, media, ctx: Context) -> dict:
        t0 = time.perf_counter()
        try:
            rgb = media.image()
        except DecodeError as exc:
            return self.not_applicable(f"image could not be decoded: {exc}")
        if min(rgb.shape[:2]) < MIN_SIDE:
            return self.not_applicable(f"image smaller than {MIN_SIDE} px on a side")
        ctx.progress("ai_image", 0.2)
        memo = getattr(media, "_decoded", {})
        emb = memo.get(EMBEDDING_MEMO)
        if emb is None:
            emb = memo[EMBEDDING_MEMO] = self.embed(rgb)
        t_embed = time.perf_counter()
        score = float(self.score_embeddings(emb[None])[0])
        ctx.progress("ai_image", 1.0)
        return self.result(score, self.band_for(score),
                           timings={"embed": round(t_embed - t0, 3), "total": round(time.perf_counter() - t0, 3)})
