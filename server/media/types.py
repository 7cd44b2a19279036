"""The Media record that flows from acquisition to the detectors."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KINDS = ("image", "video", "audio")


@dataclass
class Media:
    """A media file already on local disk (a temp file owned by the check), with what we know about it.

    kind        "image" | "video" | "audio", decided by sniffing the bytes
    path        local file
    sha256      hex digest of the bytes
    size_bytes  file size
    mime        sniffed MIME type, e.g. "image/jpeg"
    facts       width, height, duration (s), fps, frames, has_audio ... filled by probing/decoding
    audio_path  for video: the extracted audio track (16 kHz mono WAV) or None when there is none
    source_url / page_url  where it came from, when known
    """

    kind: str
    path: Path
    sha256: str
    size_bytes: int
    mime: str = "application/octet-stream"
    facts: dict = field(default_factory=dict)
    audio_path: Path | None = None
    source_url: str | None = None
    page_url: str | None = None
    # Decoded pixels/samples, memoised so acquisition (which decodes to validate) and every detector
    # share one decode per check. A check's detectors run one after another, so no lock is needed.
    _decoded: dict = field(default_factory=dict, repr=False, compare=False)

    def image(self) -> np.ndarray:
        """The RGB uint8 image (EXIF applied), decoded once. Raises decode.DecodeError."""
        if "image" not in self._decoded:
            from .decode import load_image

            self._decoded["image"] = load_image(self.path)
        return self._decoded["image"]

    def audio(self, max_seconds: float) -> np.ndarray:
        """16 kHz mono samples of an audio file, or of a video's extracted track, at most `max_seconds`,
        decoded once (a shorter request slices the memo). Raises decode.DecodeError; for a video without
        a track, ValueError."""
        from .decode import AUDIO_RATE, load_audio

        source = self.path if self.kind == "audio" else self.audio_path
        if source is None:
            raise ValueError("this media has no audio track")
        cap, wave = self._decoded.get("audio", (-1.0, None))
        if wave is None or (max_seconds > cap and wave.size >= int(cap * AUDIO_RATE)):
            wave = load_audio(source, AUDIO_RATE, max_seconds=max_seconds)
            self._decoded["audio"] = (max_seconds, wave)
            return wave
        return wave[: int(max_seconds * AUDIO_RATE)]

    def describe(self) -> dict:
        """The media facts reported in a check result."""
        return {"kind": self.kind, "mime": self.mime, "size_bytes": self.size_bytes, "sha256": self.sha256,
                **self.facts}
