"""Media type from the bytes themselves (magic numbers). The URL's extension and the Content-Type header
are chosen by whoever serves the file, so they are never trusted."""
from __future__ import annotations

from pathlib import Path

HEAD_BYTES = 4096

# ISO-BMFF brands (bytes 8..12 after "ftyp") that mean a still image or audio-only file.
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
        "image/bmp": ".bmp", "image/tiff": ".tif", "image/heif": ".heic", "image/avif": ".avif",
        "video/mp4": ".mp4", "video/webm": ".webm", "video/x-msvideo": ".avi", "video/quicktime": ".mov",
        "video/mpeg": ".mpg", "audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/flac": ".flac",
        "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/aac": ".aac", "text/html": ".html"}


def sniff_bytes(head: bytes) -> tuple[str, str] | None:
    """(kind, mime) for the first bytes of a file; kind is image|video|audio|html; None when unknown."""
    h = head
    if h.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if h[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "image/gif"
    if h[:4] == b"RIFF" and len(h) >= 12:
        return {b"WEBP": ("image", "image/webp"), b"WAVE": ("audio", "audio/wav"),
                b"AVI ": ("video", "video/x-msvideo")}.get(h[8:12])
    if h[:2] == b"BM" and len(h) >= 26:
        return "image", "image/bmp"
    if h[:4] in (b"II*\x00", b"MM\x00*"):
        return "image", "image/tiff"
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        if brand in _IMAGE_BRANDS:
            return "image", "image/avif" if brand.startswith(b"avi") else "image/heif"
        if brand in _AUDIO_BRANDS:
            return "audio", "audio/mp4"
        if brand == b"qt  ":
            return "video", "video/quicktime"
        return "video", "video/mp4"
    if h[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video", "video/quicktime"
    if h.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM / Matroska (audio-only ones are resolved by probing)
        return "video", "video/webm"
    if h[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "video", "video/mpeg"
    if h.startswith(b"fLaC"):
        return "audio", "audio/flac"
    if h.startswith(b"OggS"):
        return "audio", "audio/ogg"
    if h.startswith(b"ID3"):
        return "audio", "audio/mpeg"
    if len(h) >= 2 and h[0] == 0xFF and (h[1] & 0xF6) == 0xF0:  # ADTS AAC sync word, layer bits 00
        return "audio", "audio/aac"
    if len(h) >= 2 and h[0] == 0xFF and (h[1] & 0xE0) == 0xE0 and (h[1] & 0x06) != 0:  # MPEG audio frame
        return "audio", "audio/mpeg"
    text = h.lstrip()[:512].lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or b"<html" in text:
        return "html", "text/html"
    return None


def sniff_file(path: str | Path) -> tuple[str, str] | None:
    with open(path, "rb") as f:
        return sniff_bytes(f.read(HEAD_BYTES))


def extension_for(mime: str) -> str:
    return _EXT.get(mime, ".bin")
