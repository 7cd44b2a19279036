"""The detector contract: every detector is one class, registered by name, that maps a Media to a result dict.

Result dict (what `Detector.predict` returns; JSON-serialisable, no numpy types):
    detector       str    registered name, e.g. "audio_speech"
    model_version  str|None  version from models/manifest.json (None for rule-based detectors)
    applicable     bool   False when the detector could not judge this media (no face, no speech, too short)
    reason         str|None  human-readable reason when not applicable
    score          float|None  calibrated probability that the media is manipulated / synthetic
    verdict        "likely_fake" | "uncertain" | "likely_real" | "not_applicable"
    advisory       bool   True when the model is too weak on unseen generators to decide for this content
                          type (verdict.advisory_for: per-type figures in the manifest, else overall)
    thresholds     dict|None  {"lower", "upper"} the score was banded with (verdict.thresholds_for); a None
                          line means the model has no such band for this content type
    content        str|None  the content type judged (e.g. "face_picture", "face_video"), when the detector says
    evidence       list[dict]  findings that are proof rather than a model score (provenance), may be empty
    regions        dict   optional: "faces" [{box:[x,y,w,h], score}], "timeline" [{t, score, faces}],
                          "segments" [{start, end, score}]
    timings        dict   seconds per stage
Score 1.0 means "manipulated"; labels are 1 = fake, 0 = real everywhere (training, manifest, server).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from ..media.types import Media
from ..verdict import advisory_for, band, thresholds_for

VERDICTS = ("likely_fake", "uncertain", "likely_real", "not_applicable")


class Cancelled(Exception):
    """Raised inside a detector when the check was cancelled by the user."""


@dataclass
class Context:
    """What a running check gives a detector: progress reporting, cancellation and settings."""

    report: Callable[[str, float], None] = lambda stage, fraction: None
    is_cancelled: Callable[[], bool] = lambda: False
    settings: dict = field(default_factory=dict)

    def progress(self, stage: str, fraction: float) -> None:
        """Report the current stage and this detector's progress in 0..1; raise Cancelled if cancelled."""
        if self.is_cancelled():
            raise Cancelled()
        self.report(stage, max(0.0, min(1.0, float(fraction))))


class Detector:
    """Base class. Subclasses set `name`, `kinds`, `model_key` and implement `predict`."""

    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()
    # Key in models/manifest.json whose model this detector needs, or None for rule-based detectors.
    model_key: ClassVar[str | None] = None
    # Further manifest keys it needs loaded too (e.g. "yunet", the face finder used by the face model).
    extra_models: ClassVar[tuple[str, ...]] = ()
    # ... and keys it uses when the manifest has them (e.g. "human_face", the check that a face is human).
    optional_models: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: Any = None, entry: dict | None = None, extra: dict | None = None):
        self.model = model          # loaded model object (e.g. a Keras model), or None
        self.entry = entry or {}    # this model's manifest entry: version, input spec, thresholds, calibration
        self.extra = extra or {}    # extra_models key -> loaded model (ONNX entries load as their file path)

    @property
    def version(self) -> str | None:
        return self.entry.get("version")

    @property
    def advisory(self) -> bool:
        """Overall role: a trained model whose mean held-out AUC (manifest "heldout_auc") or worst fold
        ("heldout_worst_auc") is unmeasured or below the floors in verdict.py: shown, never deciding.
        Rule-based detectors are not advisory."""
        return self.advisory_for(None)

    def advisory_for(self, content: str | None) -> bool:
        """Role for one content type (manifest "content_roles"), falling back to the overall role."""
        return self.model_key is not None and advisory_for(self.entry, content)

    def band_for(self, score: float, content: str | None = None) -> str:
        """The band of a calibrated score with the lines for this content type (verdict.thresholds_for)."""
        th = thresholds_for(self.entry, content)
        return band(score, th.get("lower"), th.get("upper"))

    # Detectors run on a pool of worker threads: predict() must be thread-safe (guard stateful objects
    # such as cv2.FaceDetectorYN with a lock or keep one per thread).
    def warmup(self) -> None:
        """Run one dummy inference so the first real check is not slow. Default: nothing."""

    def predict(self, media: Media, ctx: Context) -> dict:
        raise NotImplementedError

    # Helpers that keep every detector's output in the same shape.
    def result(self, score: float | None, verdict: str, *, reason: str | None = None,
               evidence: list | None = None, regions: dict | None = None, timings: dict | None = None,
               content: str | None = None, **extra: Any) -> dict:
        assert verdict in VERDICTS, verdict
        out = {
            "detector": self.name,
            "model_version": self.version,
            "applicable": verdict != "not_applicable",
            "reason": reason,
            "score": None if score is None else round(float(score), 4),
            "verdict": verdict,
            "advisory": self.advisory_for(content),
            "content": content,
            # the lines this score was banded with (per content type when measured; a None line: no such band)
            "thresholds": thresholds_for(self.entry, content) if self.model_key and score is not None else None,
            "evidence": evidence or [],
            "regions": regions or {},
            "timings": timings or {},
        }
        out.update(extra)
        return out

    def not_applicable(self, reason: str, **kw: Any) -> dict:
        return self.result(None, "not_applicable", reason=reason, **kw)


_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make a detector available by its name."""
    if not cls.name or not cls.kinds:
        raise ValueError(f"{cls.__name__} must set name and kinds")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"detector {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a detector (tests register their own and clean up)."""
    _REGISTRY.pop(name, None)


def registered() -> dict[str, type[Detector]]:
    return dict(_REGISTRY)
