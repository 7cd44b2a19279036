"""The Media record that flows from acquisition to the detectors."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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

    def describe(self) -> dict:
        """The media facts reported in a check result."""
        return {"kind": self.kind, "mime": self.mime, "size_bytes": self.size_bytes, "sha256": self.sha256,
                **self.facts}
