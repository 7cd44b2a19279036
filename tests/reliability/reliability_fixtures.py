"""Fixtures for the reliability suite: hostile media generated here (Pillow, ffmpeg from imageio-ffmpeg, raw
bytes), a hostile HTTP site on loopback (stalls, endless bodies, oversize, redirect loops and redirects to
forbidden addresses, a page that yt-dlp reads forever), and real FakeScope servers in subprocesses."""
from __future__ import annotations

import http.server
import io
import os
import struct
import subprocess
import threading
import time
import urllib.parse
import zlib
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from fakescope.server.media.decode import ffmpeg_exe
from server_fixtures import Redirects, RunningServer, noise_image, solid_png

# Small caps keep every hostile case cheap; a 1 s read timeout and a 4 s whole-download deadline bound the
# slow ones. Two workers, so one check can run beside another (the bystander).
REL_ENV = {"FAKESCOPE_MAX_IMAGE_BYTES": "2000000", "FAKESCOPE_MAX_AUDIO_BYTES": "20000000",
           "FAKESCOPE_MAX_VIDEO_BYTES": "20000000", "FAKESCOPE_READ_TIMEOUT": "1",
           "FAKESCOPE_CONNECT_TIMEOUT": "2", "FAKESCOPE_DOWNLOAD_DEADLINE": "4", "FAKESCOPE_WORKERS": "2",
           "FAKESCOPE_QUEUE_SIZE": "32", "FAKESCOPE_KEEP_MEDIA_CHECKS": "20"}
CLEAN_FAILURES = {"bad_request", "unsupported_media", "too_large", "download_failed", "timeout",
                  "forbidden_address", "decode_failed"}
FORMATS = {  # format -> (file name, kind)
    "jpeg": ("x.jpg", "image"), "png": ("x.png", "image"), "webp": ("x.webp", "image"), "gif": ("x.gif", "image"),
    "mp4": ("x.mp4", "video"), "webm": ("x.webm", "video"), "mov": ("x.mov", "video"), "wav": ("x.wav", "audio"),
    "mp3": ("x.mp3", "audio"), "flac": ("x.flac", "audio"), "ogg": ("x.ogg", "audio"), "m4a": ("x.m4a", "audio"),
}


def ffmpeg(*args: str, out: Path) -> bytes:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args, str(out)], check=True, timeout=120)
    return out.read_bytes()


def _image(fmt: str, size=(96, 72)) -> bytes:
    arr = (np.random.default_rng(7).random((size[1], size[0], 3)) * 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int) -> bytes:
    """A real, complete 1-bit PNG of width x height (all black): tiny on disk, huge in pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp, parts = zlib.compressobj(9), []
    for _ in range(height):
        parts.append(comp.compress(row))
    parts.append(comp.flush())
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b""))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but whose data is a few bytes."""
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_image("JPEG", (16, 16)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_with_frames(n: int) -> bytes:
    frames = [Image.new("P", (32, 32), i % 256) for i in range(n)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=10, loop=0)
    return buf.getvalue()


def mp4_claiming_hours(data: bytes, hours: float) -> bytes:
    """Rewrite the mvhd/tkhd/mdhd durations of an MP4 so its header claims `hours` (the frames stay 1 s)."""
    out = bytearray(data)
    for box, ts_off, dur_off in ((b"mvhd", 12, 16), (b"mdhd", 12, 16)):
        pos = out.find(box)
        while pos >= 0:
            if out[pos + 4] == 0:  # version 0: 32-bit fields
                timescale = struct.unpack_from(">I", out, pos + 4 + ts_off)[0] or 1000
                struct.pack_into(">I", out, pos + 4 + dur_off, min(0xFFFFFFFF, int(hours * 3600 * timescale)))
            pos = out.find(box, pos + 4)
    return bytes(out)


def wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
            rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm)) + pcm)


def corrupt(data: bytes, keep: int = 64, seed: int = 0) -> bytes:
    """The real header, then the rest overwritten with noise (same length)."""
    rng = np.random.default_rng(seed)
    return data[:keep] + rng.integers(0, 256, max(0, len(data) - keep), dtype=np.uint8).tobytes()


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory) -> dict:
    """name -> (file name, bytes, requested kind). Valid samples of each format, then broken and hostile ones."""
    d = tmp_path_factory.mktemp("hostile")
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1"]
    video = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1"]
    valid = {
        "jpeg": _image("JPEG"), "png": _image("PNG"), "webp": _image("WEBP"), "gif": _image("GIF"),
        "mp4": ffmpeg(*video, "-c:v", "libx264", "-pix_fmt", "yuv420p", out=d / "v.mp4"),
        "webm": ffmpeg(*video, "-c:v", "libvpx", "-b:v", "200k", out=d / "v.webm"),
        "mov": ffmpeg(*video, "-c:v", "libx264", "-pix_fmt", "yuv420p", out=d / "v.mov"),
        "wav": wav(np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000) * 0.3),
        "mp3": ffmpeg(*tone, "-c:a", "libmp3lame", out=d / "a.mp3"),
        "flac": ffmpeg(*tone, "-c:a", "flac", out=d / "a.flac"),
        "ogg": ffmpeg(*tone, "-c:a", "libvorbis", out=d / "a.ogg"),
        "m4a": ffmpeg(*tone, "-c:a", "aac", out=d / "a.m4a"),
    }
    files: dict = {}
    for fmt, data in valid.items():
        name, kind = FORMATS[fmt]
        files[f"{fmt}-zero-byte"] = (name, b"", kind)
        files[f"{fmt}-truncated"] = (name, data[: max(12, len(data) * 2 // 5)], kind)
        files[f"{fmt}-corrupt"] = (name, corrupt(data, keep=min(64, len(data) // 4)), kind)
    rng = np.random.default_rng(3)
    silence10 = ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "10", "-c:a", "libmp3lame", "-b:a", "8k",
                       "-write_xing", "0", "-id3v2_version", "0", out=d / "s10.mp3")
    files.update({
        "jpeg-claims-60000x60000": ("huge.jpg", jpeg_claiming(60000, 60000), "image"),
        "png-claims-60000x60000": ("huge.png", png_claiming(60000, 60000), "image"),
        "png-bomb-30000x30000": ("bomb.png", png_bomb(30000, 30000), "image"),
        "gif-3000-frames": ("many.gif", gif_with_frames(3000), "image"),
        "svg": ("x.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                b'<rect width="10" height="10"/></svg>', "auto"),
        "text-as-jpeg": ("x.jpg", b"just some text, not a picture\n" * 40, "image"),
        "html-error-page": ("x.jpg", b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "auto"),
        "video-without-video-stream": ("x.mp4", ffmpeg(*tone, "-c:a", "aac", "-f", "mp4", out=d / "ao.mp4"), "video"),
        "video-header-claims-10-hours": ("long.mp4", mp4_claiming_hours(valid["mp4"], 10), "video"),
        "audio-one-sample": ("one.wav", wav(np.array([0.5])), "audio"),
        "audio-silence": ("silence.wav", wav(np.zeros(16000)), "audio"),
        "audio-pure-tone": ("tone.wav", valid["wav"], "audio"),
        "audio-noise": ("noise.wav", wav(rng.uniform(-1, 1, 16000)), "audio"),
        "audio-3-hours": ("long.mp3", silence10 * 1080, "audio"),  # MP3 frames concatenate: 3 h of silence
        "wav-header-claims-3-hours": ("lie.wav", wav(np.zeros(1600))[:40] + struct.pack("<I", 16000 * 2 * 10800)
                                      + b"\x00" * 3200, "audio"),
    })
    return files


# --- a hostile web site ---------------------------------------------------------------------------------
class HostileSite:
    def __init__(self, files: dict):
        self.files = dict(files)  # the tests may add files to the site, never to the shared case list
        self.sent: dict[str, int] = {}    # path -> body bytes written before the client went away
        self.first_hop_done = threading.Event()
        handler = type("Handler", (_Hostile,), {"site": self})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *args: None  # clients hanging up mid-body is the point here
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Hostile(Redirects, http.server.BaseHTTPRequestHandler):
    site: HostileSite
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: C901 - one branch per hostile behaviour
        path, site = self.path.split("?")[0], self.site
        if path.startswith("/file/"):
            name, data, _ = site.files[path[len("/file/"):]]
            return self._body(data, "application/octet-stream")
        if path == "/stall":  # headers, then nothing at all
            self._head("image/jpeg", length=100_000)
            site.stop.wait(30)
            return None
        if path in ("/endless", "/oversize-unannounced", "/drip", "/drip-page"):
            page = path == "/drip-page"
            self._head("text/html" if page else "image/jpeg")
            first = b"<!doctype html><html><head><title>slow</title>" if page else noise_image(5)[:4096]
            chunk, pause = (b" ", 0.2) if path.startswith("/drip") else (os.urandom(64 * 1024), 0.0)
            limit = 50_000_000 if path == "/oversize-unannounced" else None
            return self._stream(path, first, chunk, pause, limit)
        if path == "/trickle":  # an honest Content-Length, then one byte every 0.2 s (a slow, real file)
            self._head("image/jpeg", length=1_000_000)
            return self._stream(path, noise_image(5)[:4096], b" ", 0.2, 1_000_000)
        if path == "/oversize-announced":
            self._head("image/jpeg", length=50_000_000)
            return self._stream(path, b"", os.urandom(64 * 1024), 0.0, 50_000_000)
        if path.startswith("/page-of/"):  # a page showing one of the files in a <video> (yt-dlp's generic route)
            key = path[len("/page-of/"):]
            return self._body(f'<!doctype html><html><head><title>{key}</title></head><body><video controls '
                              f'src="/file/{key}"></video></body></html>'.encode(), "text/html")
        if path == "/html-error-as-jpeg":
            return self._body(b"<!DOCTYPE html><html><head><title>Error</title></head><body>Service unavailable"
                              b"</body></html>", "image/jpeg")
        if path == "/loop":
            return self._redirect("/loop")
        if path == "/to":  # /to?u=<target>: a redirect to anywhere
            site.first_hop_done.set()
            return self._redirect(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["u"][0])
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def _head(self, ctype: str, length: int | None = None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self._chunked = length is None

    def _write(self, data: bytes):
        if self._chunked:
            data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
        self.wfile.write(data)
        self.wfile.flush()

    def _stream(self, path, first, chunk, pause, limit):
        sent = 0
        try:
            self._write(first)
            sent += len(first)
            while not self.site.stop.is_set() and (limit is None or sent < limit):
                self._write(chunk)
                sent += len(chunk)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the client hung up: what we measure
        finally:
            self.site.sent[path] = max(self.site.sent.get(path, 0), sent)
            self.close_connection = True

    def _body(self, data: bytes, ctype: str):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="session")
def hostile_site(hostile_files):
    site = HostileSite(hostile_files)
    yield site
    site.close()


# --- servers ----------------------------------------------------------------------------------------------
def wait_idle(srv: RunningServer, timeout: float = 60) -> None:
    """Until no check is queued or running (health's queue_depth)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if requests.get(srv.url + "/api/v1/health", timeout=10).json()["queue_depth"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError("the server did not become idle")


def assert_unharmed(srv: RunningServer, bystander) -> None:
    """After a run of hostile cases: the bystander's checks all ended right, nothing crashed, no temp file
    is left, and the server still answers healthy."""
    wait_idle(srv)
    bystander.__exit__()
    bystander.assert_undisturbed()
    wait_idle(srv)
    assert srv.leftover_files() == []
    log = srv.log.read_text(errors="replace")
    assert "Traceback" not in log and "crashed" not in log, log[-3000:]
    assert requests.get(srv.url + "/api/v1/health", timeout=10).json()["status"] == "ok"


def assert_clean_outcome(srv: RunningServer, resp: requests.Response, case: str) -> dict:
    """A clear 4xx JSON refusal, or an accepted check that ends failed with a clear (non-internal) code or
    done with a well-formed result (each detector a verdict, or not applicable with a reason)."""
    assert resp.headers.get("Content-Type", "").startswith("application/json"), (case, resp.text[:200])
    body = resp.json()
    if resp.status_code != 202:
        assert 400 <= resp.status_code < 500, (case, resp.status_code, body)
        assert body["error"]["code"] in CLEAN_FAILURES and body["error"]["message"], (case, body)
        return body
    final = srv.wait(body["id"], timeout=120)
    if final["status"] == "failed":
        assert final["error"]["code"] in CLEAN_FAILURES and final["error"]["message"], (case, final)
    else:
        assert final["status"] == "done", (case, final)
        for det in final["result"]["detectors"]:
            assert det["verdict"] != "not_applicable" or det.get("reason"), (case, det)
    return final


def _server(tmp_path_factory, name: str, allow_private: bool, env: dict | None = None):
    srv = RunningServer(tmp_path_factory.mktemp(name), allow_private=allow_private, env={**REL_ENV, **(env or {})})
    return srv.start()


@pytest.fixture(scope="module")
def rel_server(tmp_path_factory):
    srv = _server(tmp_path_factory, "rel", allow_private=True)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def strict_rel_server(tmp_path_factory):
    srv = _server(tmp_path_factory, "relstrict", allow_private=False)
    yield srv
    srv.stop()


RED = solid_png((255, 0, 0), size=(48, 48))  # the probe detector spends 8 s on a pure red image

EXTRA_CASES = ["jpeg-claims-60000x60000", "png-claims-60000x60000", "png-bomb-30000x30000", "gif-3000-frames", "svg",
               "text-as-jpeg", "html-error-page", "video-without-video-stream", "video-header-claims-10-hours",
               "audio-one-sample", "audio-silence", "audio-pure-tone", "audio-noise", "audio-3-hours",
               "wav-header-claims-3-hours"]
FORMAT_CASES = [f"{fmt}-{how}" for fmt in FORMATS for how in ("zero-byte", "truncated", "corrupt")]


class Bystander:
    """Ordinary checks submitted one after another on a thread while hostile cases run: every one must end
    done with the score its bytes give (the probe's mean pixel), however the hostile ones end."""

    def __init__(self, srv: RunningServer):
        self.srv, self.results, self.problems = srv, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def _run(self):
        i = 0
        while not self._stop.is_set():
            data = solid_png((10 * (i % 20), 100, 200), size=(40, 40))
            try:
                r = self.srv.upload(data, name="bystander.png")
                if r.status_code == 429:
                    time.sleep(0.5)
                    continue
                body = r.json() if r.status_code != 202 else self.srv.wait(r.json()["id"], timeout=120)
                self.results.append((i, body))
            except Exception as exc:  # noqa: BLE001 - recorded and asserted by the test
                self.problems.append(repr(exc))
            i += 1
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(150)

    def assert_undisturbed(self, at_least: int = 3):
        assert not self.problems, self.problems
        assert len(self.results) >= at_least, f"only {len(self.results)} bystander checks ran"
        for i, body in self.results:
            assert body.get("status") == "done", body
            mean = next(d for d in body["result"]["detectors"] if d["detector"] == "test_mean_pixel")
            want = (10 * (i % 20) + 100 + 200) / 3 / 255
            assert abs(mean["score"] - want) < 0.01, (i, mean, want)
