"""Direct downloads with requests: guarded addresses on every hop, manual capped redirects, connect/read
timeouts plus a whole-download deadline, and a byte cap enforced while streaming to the check's temp dir."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin

import requests
import urllib3

from ..errors import ApiError, disk_full
from . import deadline
from .guard import check_url, guarded_session

USER_AGENT = "FakeScope/0.1 (+local deepfake check)"
CHUNK = 256 * 1024


@dataclass
class Download:
    path: Path
    url: str            # final URL after redirects
    content_type: str   # as the server claimed it (informational only; sniffing decides)
    size_bytes: int


def too_large(cap: int) -> ApiError:
    return ApiError("too_large", f"the media is larger than the {cap / 1e6:.0f} MB limit", limit_bytes=cap)


def download(url: str, dest: Path, *, max_bytes: int, allow_private: bool, connect_timeout: float,
             read_timeout: float, deadline_s: float, max_redirects: int = 5,
             progress: Callable[[float], None] = lambda f: None) -> Download:
    """Stream `url` into `dest`. `progress(fraction)` is called per chunk and may raise to abort
    (cancellation); the partial file is left for the caller's temp-dir cleanup."""
    session = guarded_session(allow_private)
    try:
        with deadline.within(deadline_s):
            return _hops(session, url, dest, max_bytes, allow_private, connect_timeout, read_timeout, deadline_s,
                         max_redirects, progress)
    finally:
        session.close()


def _hops(session, url, dest, max_bytes, allow_private, connect_timeout, read_timeout, deadline_s, max_redirects,
          progress) -> Download:
    for _hop in range(max_redirects + 1):
        check_url(url, allow_private)
        try:
            resp = session.get(url, stream=True, allow_redirects=False, timeout=(connect_timeout, read_timeout),
                               headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        except requests.Timeout:
            raise _timeout(deadline_s, f"the media server did not answer within {read_timeout:g} s") from None
        except requests.RequestException as exc:
            raise ApiError("download_failed", f"cannot download: {_short(exc)}", upstream_status=None) from None
        with resp:
            if resp.is_redirect:
                url = urljoin(url, resp.headers.get("location", ""))
                continue  # re-checked by check_url at the top of the loop
            if resp.status_code != 200:
                raise ApiError("download_failed", f"the media server answered HTTP {resp.status_code}",
                               upstream_status=resp.status_code)
            return _stream(resp, url, dest, max_bytes, deadline_s, read_timeout, progress)
    raise ApiError("download_failed", f"more than {max_redirects} redirects", upstream_status=None)


def _stream(resp, url, dest, max_bytes, deadline_s, read_timeout, progress) -> Download:
    declared = resp.headers.get("content-length")
    total = int(declared) if declared and declared.isdigit() else 0
    if total > max_bytes:
        raise too_large(max_bytes)
    size = 0
    try:
        with open(dest, "wb") as out:
            for chunk in _pieces(resp):
                size += len(chunk)
                if size > max_bytes:  # Content-Length can lie or be absent: count what arrives
                    raise too_large(max_bytes)
                if deadline.expired():  # bytes already buffered arrive without a socket read
                    raise _timeout(deadline_s, "")
                out.write(chunk)
                progress(size / total if total else 0.0)
    except requests.exceptions.ConnectionError as exc:
        if "timed out" in str(exc).lower():
            raise _timeout(deadline_s, f"the media server stopped sending for {read_timeout:g} s") from None
        raise ApiError("download_failed", f"the download broke off: {_short(exc)}", upstream_status=200) from None
    except requests.RequestException as exc:
        raise ApiError("download_failed", f"the download broke off: {_short(exc)}", upstream_status=200) from None
    except OSError as exc:
        full = disk_full(exc)
        if full is None:
            raise
        raise full from None
    return Download(Path(dest), url, resp.headers.get("content-type", ""), size)


def _pieces(resp):
    """The body as it arrives, at most CHUNK bytes a piece. iter_content(CHUNK) waits for a whole chunk, so a
    server trickling bytes kept the loop from seeing a cancel for minutes; read1 returns what has arrived.
    urllib3's errors are raised as the requests errors iter_content would raise."""
    try:
        while piece := resp.raw.read1(CHUNK, decode_content=True):
            yield piece
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(f"read timed out ({exc})") from None
    except urllib3.exceptions.HTTPError as exc:  # a broken or badly encoded body
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from None


def _timeout(deadline_s: float, stalled: str) -> ApiError:
    """A timeout: the whole-download deadline when it has passed (a slow drip), else a stalled server."""
    if deadline.expired():
        return ApiError("timeout", f"the download took longer than {deadline_s:g} s")
    return ApiError("timeout", stalled)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."
