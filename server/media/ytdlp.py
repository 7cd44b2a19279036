"""Page URLs (YouTube, X, news pages, plain HTML with a <video>) through yt-dlp used as a library: one
item, at most 480p, duration and size caps, ffmpeg from imageio-ffmpeg, files only in the check's temp dir.
yt-dlp does its own networking: the guard checks the page URL and every candidate media URL before any
download starts (clear errors), and the whole run happens inside guard.guarded_resolution, so redirects,
embeds and fragments it fetches on its own can only reach allowed addresses."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable

from ..errors import ApiError, disk_full
from . import deadline
from .decode import ffmpeg_exe
from .guard import ALLOW_SETTING, GUARD_REFUSAL, check_url, guarded_resolution

FORMAT = "b[height<=?480]/bv*[height<=?480]+ba/w"


class _Quiet:
    """yt-dlp logger that keeps the last error for our message instead of printing to the console."""

    def __init__(self):
        self.last_error = ""

    def debug(self, msg):
        pass

    def info(self, msg):
        pass

    def warning(self, msg):
        pass

    def error(self, msg):
        self.last_error = str(msg).replace("ERROR: ", "")


def fetch_page_media(url: str, workdir: Path, *, max_bytes: int, max_seconds: float, allow_private: bool,
                     socket_timeout: float, progress: Callable[[float], None] = lambda f: None,
                     deadline_s: float = 300.0) -> tuple[Path, dict]:
    """Download the media a page shows into `workdir`; return (file path, info subset). `progress` may
    raise (cancellation) and the download stops. Extraction and download together end by `deadline_s`
    (plus one socket timeout): a page that drips bytes cannot hold a worker."""
    import yt_dlp

    check_url(url, allow_private)
    log = _Quiet()
    started = time.monotonic()

    def hook(d: dict) -> None:
        done = d.get("downloaded_bytes") or 0
        if done > max_bytes:
            raise ApiError("too_large", f"the media is larger than the {max_bytes / 1e6:.0f} MB limit",
                           limit_bytes=max_bytes)
        total = d.get("total_bytes") or d.get("total_bytes_estimate") or 0
        progress(min(1.0, done / total) if total else 0.0)

    params = {
        "format": FORMAT, "noplaylist": True, "playlist_items": "1", "max_filesize": max_bytes,
        "outtmpl": {"default": "media.%(ext)s"}, "paths": {"home": str(workdir), "temp": str(workdir)},
        "ffmpeg_location": ffmpeg_exe(), "cachedir": False, "quiet": True, "no_warnings": True,
        "noprogress": True, "logger": log, "progress_hooks": [hook], "socket_timeout": socket_timeout,
        "retries": 1, "fragment_retries": 1, "overwrites": True, "restrictfilenames": True,
        "writethumbnail": False, "updatetime": False, "no_color": True,
        # Downloads stay on this thread and inside yt-dlp (no ffmpeg or other external downloader fetching
        # by itself), so the thread-scoped resolver guard covers every connection.
        "concurrent_fragment_downloads": 1, "hls_prefer_native": True, "external_downloader": {},
    }
    try:
        with deadline.within(deadline_s), guarded_resolution(allow_private), yt_dlp.YoutubeDL(params) as ydl:
            info = ydl.extract_info(url, download=False, process=False)
            info = _single(ydl, info, allow_private)
            for candidate in _media_urls(info):
                check_url(candidate, allow_private)
            duration = info.get("duration")
            if duration and duration > max_seconds:
                raise ApiError("too_large", f"the media lasts {duration:.0f} s, above the {max_seconds:.0f} s limit",
                               limit_seconds=max_seconds)
            info = ydl.process_ie_result(info, download=True)
    except ApiError:
        raise
    except (yt_dlp.utils.YoutubeDLError, OSError) as exc:  # DownloadError, and network errors raised bare
        msg = log.last_error or str(exc)
        full = disk_full(exc) or disk_full(OSError(_errno(msg), msg))  # yt-dlp reports a failed write as text
        if full is not None:
            raise full from None
        if GUARD_REFUSAL in msg:
            raise ApiError("forbidden_address", f"the page leads to an address the server must not fetch: {msg[:200]} "
                           f"(to allow your own network, start the server with {ALLOW_SETTING})",
                           setting=ALLOW_SETTING) from None
        if "Unsupported URL" in msg:
            raise ApiError("unsupported_media", "no image, video or audio found at this address") from None
        if "larger than max-filesize" in msg or "File is larger" in msg:
            raise ApiError("too_large", f"the media is larger than the {max_bytes / 1e6:.0f} MB limit") from None
        if deadline.MARK in msg or time.monotonic() - started > deadline_s:
            raise ApiError("timeout", f"the page and its media took longer than {deadline_s:g} s") from None
        if "timed out" in msg.lower():
            raise ApiError("timeout", f"the page did not answer in time: {msg[:200]}") from None
        raise ApiError("download_failed", f"could not get the media from the page: {msg[:300]}",
                       upstream_status=_http_status(msg)) from None
    path = _downloaded_file(info, workdir)
    return path, {k: info.get(k) for k in ("title", "extractor", "webpage_url", "duration", "width", "height")}


def _single(ydl, info: dict, allow_private: bool) -> dict:
    """Resolve url/playlist results to the first single item (noplaylist may not apply to generic pages)."""
    for _ in range(3):
        kind = info.get("_type", "video")
        if kind in ("url", "url_transparent"):
            check_url(info["url"], allow_private)
            info = ydl.extract_info(info["url"], download=False, process=False, ie_key=info.get("ie_key"))
        elif kind == "playlist":
            entries = list(info.get("entries") or [])[:1]
            if not entries:
                raise ApiError("unsupported_media", "the page lists no playable media")
            info = entries[0]
        else:
            return info
    raise ApiError("unsupported_media", "the page redirects through too many embeds")


def _media_urls(info: dict) -> list[str]:
    urls = [f["url"] for f in info.get("formats") or [] if isinstance(f, dict) and f.get("url")]
    if info.get("url"):
        urls.append(info["url"])
    return [u for u in urls if u.startswith(("http://", "https://"))]


def _downloaded_file(info: dict, workdir: Path) -> Path:
    for d in info.get("requested_downloads") or []:
        p = d.get("filepath")
        if p and Path(p).exists():
            return Path(p)
    files = [p for p in Path(workdir).glob("media.*") if not p.name.endswith((".part", ".ytdl"))]
    if not files:
        raise ApiError("download_failed", "the page's media could not be downloaded", upstream_status=None)
    return max(files, key=lambda p: p.stat().st_size)


def _errno(msg: str) -> int | None:
    m = re.search(r"\[Errno (\d+)\]", msg)
    return int(m.group(1)) if m else None


def _http_status(msg: str) -> int | None:
    m = re.search(r"HTTP Error (\d{3})", msg)
    return int(m.group(1)) if m else None
