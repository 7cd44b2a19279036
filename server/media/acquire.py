"""Acquisition: a request (URL, page URL or uploaded bytes) -> a validated Media in the check's temp dir.
Sniff the bytes, apply the kind's byte cap, hash, decode once to prove the file is what it claims, and
for video extract the audio track for the audio detector."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..errors import ApiError
from ..modelstore import sha256_file
from . import decode
from .fetch import download, too_large
from .sniff import extension_for, sniff_file
from .types import KINDS, Media
from .ytdlp import fetch_page_media

Report = Callable[[str, float], None]


@dataclass
class Source:
    """What the user asked to check: exactly one of url / page_url / upload is the starting point."""

    kind: str = "auto"                 # requested kind: image | video | audio | auto
    url: str | None = None
    page_url: str | None = None
    upload: Path | None = None         # bytes already saved into the check's temp dir
    filename: str | None = None        # the uploader's file name (display only)
    upload_sha256: str | None = None   # digest taken while the upload was saved, so it is not hashed twice

    def describe(self) -> dict:
        return {"url": self.url, "page_url": self.page_url, "upload": self.upload is not None,
                "filename": self.filename}


def resolve_kind(requested: str, sniffed: str) -> str:
    """The kind to check. A video may be checked as audio (its soundtrack); other mismatches are refused
    because the bytes decide, not the caller."""
    if requested in ("auto", sniffed):
        return sniffed
    if requested == "audio" and sniffed == "video":
        return "audio"
    raise ApiError("unsupported_media", f"the file is {_a(sniffed)}, not {_a(requested)}", detected_kind=sniffed)


def sniff_kind(path: Path, requested: str) -> tuple[str, str]:
    """(kind, mime) of a local file, refusing anything that is not image/video/audio."""
    found = sniff_file(path)
    if found is None or found[0] not in KINDS:
        what = "a web page" if found and found[0] == "html" else "not an image, video or audio file"
        raise ApiError("unsupported_media", f"the data is {what}")
    return resolve_kind(requested, found[0]), found[1]


def acquire(source: Source, workdir: Path, settings: Settings, report: Report = lambda s, f: None) -> Media:
    workdir = Path(workdir)
    requested = source.kind
    cap = settings.max_bytes(requested) if requested in KINDS else settings.largest_cap
    page_info: dict = {}
    if source.upload is not None:
        path = Path(source.upload)
    elif source.url:
        path, page_info = _from_url(source, workdir, settings, cap, report)
    elif source.page_url:
        report("downloading", 0.0)
        path, page_info = _from_page(source.page_url, workdir, settings, cap, report)
    else:
        raise ApiError("bad_request", "give a url, a page_url or an uploaded file")

    kind, mime = sniff_kind(path, requested)
    if path.stat().st_size > settings.max_bytes(kind):
        raise too_large(settings.max_bytes(kind))
    final = workdir / ("media" + extension_for(mime))
    if path != final:
        path = path.rename(final)
    digest = source.upload_sha256 if source.upload is not None and source.upload_sha256 else sha256_file(path)
    media = Media(kind=kind, path=path, sha256=digest, size_bytes=path.stat().st_size, mime=mime,
                  source_url=source.url or page_info.get("webpage_url"), page_url=source.page_url)
    if page_info.get("title"):
        media.facts["title"] = page_info["title"]
    report("decoding", 0.0)
    _decode_facts(media, workdir, settings)
    report("decoding", 1.0)
    return media


def _from_url(source: Source, workdir: Path, settings: Settings, cap: int, report: Report):
    report("downloading", 0.0)
    try:
        got = download(source.url, workdir / "download.bin", max_bytes=cap,
                       allow_private=settings.allow_private_addresses, connect_timeout=settings.connect_timeout,
                       read_timeout=settings.read_timeout, deadline_s=settings.download_deadline,
                       max_redirects=settings.max_redirects, progress=lambda f: report("downloading", f))
    except ApiError as exc:
        # A hot-link refusal on a video URL: the page it sits on may still give the video to yt-dlp. Not
        # for images or audio: yt-dlp would pick some other media on the page and check the wrong thing.
        # When the page route fails too, the original refusal (with its upstream status) is the useful
        # answer: the extension then uploads the bytes it can read itself.
        if exc.code == "download_failed" and source.page_url and source.kind in ("video", "auto"):
            try:
                return _from_page(source.page_url, workdir, settings, cap, report)
            except ApiError:
                raise exc from None
        raise
    found = sniff_file(got.path)
    if found and found[0] == "html":  # a page, not a media file: let yt-dlp find the media on it
        got.path.unlink(missing_ok=True)
        return _from_page(got.url, workdir, settings, cap, report)
    return got.path, {}


def _from_page(page_url: str, workdir: Path, settings: Settings, cap: int, report: Report):
    return fetch_page_media(page_url, workdir, max_bytes=cap, max_seconds=settings.max_video_seconds,
                            allow_private=settings.allow_private_addresses, socket_timeout=settings.read_timeout,
                            progress=lambda f: report("downloading", f), deadline_s=settings.download_deadline)


def _decode_facts(media: Media, workdir: Path, settings: Settings) -> None:
    """Decode once so a corrupt file fails here with decode_failed, and record the facts detectors use."""
    try:
        if media.kind == "image":
            w, h = decode.image_size(media.path)
            img = media.image()
            media.facts.update(width=int(img.shape[1]), height=int(img.shape[0]), stored_width=w, stored_height=h)
        elif media.kind == "video":
            _video_facts(media, workdir, settings)
        else:
            limit = settings.max_audio_seconds
            samples = media.audio(limit + 1)
            duration = samples.size / decode.AUDIO_RATE
            if duration > limit:
                raise ApiError("too_large", f"the audio lasts over {limit:.0f} s, the limit", limit_seconds=limit)
            media.facts.update(duration=round(duration, 3), sample_rate=decode.AUDIO_RATE)
    except decode.DecodeError as exc:
        raise ApiError("decode_failed", f"cannot decode this {media.kind}: {exc}") from None


def _video_facts(media: Media, workdir: Path, settings: Settings) -> None:
    try:
        info = decode.probe_video(media.path)
    except decode.DecodeError:
        # Containers such as WebM/MP4 may hold audio only: accept them as audio when that was allowed.
        if media.mime in ("video/webm", "video/mp4", "video/quicktime"):
            media.kind = "audio"
            try:
                _decode_facts(media, workdir, settings)
            except ApiError as exc:  # neither frames nor sound: it is a broken video, say so
                if exc.code != "decode_failed":
                    raise
                media.kind = "video"
                raise decode.DecodeError("no decodable frames or sound") from None
            return
        raise
    if info["duration"] > settings.max_video_seconds:
        raise ApiError("too_large", f"the video lasts {info['duration']:.0f} s, above the "
                       f"{settings.max_video_seconds:.0f} s limit", limit_seconds=settings.max_video_seconds)
    media.facts.update(info)
    wav = workdir / "audio.wav"
    has_audio = decode.extract_audio(media.path, wav, max_seconds=settings.max_video_seconds)
    media.audio_path = wav if has_audio else None
    media.facts["has_audio"] = has_audio


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind
