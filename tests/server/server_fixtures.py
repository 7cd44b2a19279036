"""Helpers and fixtures for the server tests: media made here with Pillow and ffmpeg, a local HTTP server that serves
them (plus redirects, a slow endpoint, an oversize file), and real FakeScope servers in subprocesses on
free loopback ports, each with its own TMPDIR and data dir."""
from __future__ import annotations

import functools
import http.server
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from fakescope.server.media.decode import ffmpeg_exe

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "serve_for_tests.py"
CLIENT = {"X-FakeScope-Client": "pytest"}
IMAGE_CAP = 2_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def noise_image(seed: int, size=(320, 240), fmt="JPEG") -> bytes:
    arr = (np.random.default_rng(seed).random((size[1], size[0], 3)) * 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def solid_png(rgb, size=(64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, rgb).save(buf, "PNG")
    return buf.getvalue()


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("media")
    (d / "noise.jpg").write_bytes(noise_image(1))
    (d / "noise.png").write_bytes(noise_image(2, fmt="PNG"))
    (d / "big.png").write_bytes(noise_image(3, size=(1000, 1000), fmt="PNG"))  # ~3 MB > the 2 MB test cap
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-f", "lavfi", "-i",
            "sine=frequency=440:sample_rate=44100", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(d / "clip.mp4"))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", str(d / "silent.mp4"))
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000", "-t", "1.5", str(d / "tone.wav"))
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:sample_rate=22050", "-t", "1.5", "-c:a", "libmp3lame",
            str(d / "tone.mp3"))
    (d / "page.html").write_text('<!doctype html><html><head><title>Clip page</title></head><body>'
                                 '<video src="clip.mp4" controls></video></body></html>')
    # Corrupt and zero-byte files of each kind.
    for name in ("empty.jpg", "empty.mp4", "empty.wav"):
        (d / name).write_bytes(b"")
    (d / "trunc.jpg").write_bytes((d / "noise.jpg").read_bytes()[:400])
    (d / "bad.mp4").write_bytes((d / "clip.mp4").read_bytes()[:48] + os.urandom(4000))
    (d / "bad.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(2000))
    (d / "bad.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 3000)
    (d / "text.jpg").write_bytes(b"hello, this is not an image\n" * 20)
    return d


class Redirects:
    """For the test sites' request handlers: answer 302 to `location`."""

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Handler(Redirects, http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/redirect/"):  # /redirect/<path>: a hop on the same server
            return self._redirect("/" + self.path[len("/redirect/"):])
        if self.path == "/to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/x.jpg")
        if self.path == "/loop":
            return self._redirect("/loop")
        if self.path == "/slow":
            time.sleep(4)  # longer than the test servers' 1 s read timeout
            return self._redirect("/noise.jpg")
        if self.path == "/missing.jpg":
            self.send_response(404)
            self.end_headers()
            return None
        return super().do_GET()



@pytest.fixture(scope="session")
def media_server(media_dir):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(media_dir)))
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class RunningServer:
    def __init__(self, root: Path, allow_private: bool, env: dict | None = None, data_dir: Path | None = None):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmpdir = root / "tmp"
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir or root / "data"
        self.models_dir = root / "models"
        self.models_dir.mkdir(exist_ok=True)
        (self.models_dir / "manifest.json").write_text('{"schema": 1, "models": {}}\n')
        self.env = {**os.environ, "TMPDIR": str(self.tmpdir), "TF_NUM_INTRAOP_THREADS": "1",
                    "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1", **(env or {})}
        self.args = ["serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
                     "--models", str(self.models_dir)] + (["--allow-private-addresses"] if allow_private else [])
        self.proc = None
        self.log = root / "server.log"

    def start(self, timeout: float = 120) -> "RunningServer":
        self.proc = subprocess.Popen([sys.executable, str(LAUNCHER), *self.args], env=self.env,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # Small client helpers.
    def post_json(self, body: dict, **kw):
        return requests.post(self.url + "/api/v1/checks", json=body, timeout=30, **kw)

    def upload(self, data: bytes, name: str = "x.jpg", kind: str = "auto", headers=None):
        return requests.post(self.url + "/api/v1/checks", files={"media": (name, data)}, data={"kind": kind},
                             headers=CLIENT if headers is None else headers, timeout=60)

    def wait(self, check_id: str, timeout: float = 90) -> dict:
        deadline = time.time() + timeout
        body: dict = {}
        while time.time() < deadline:
            body = requests.get(f"{self.url}/api/v1/checks/{check_id}", params={"wait": 20}, timeout=40).json()
            if body["status"] in ("done", "failed", "cancelled"):
                return body
        raise AssertionError(f"check {check_id} did not finish: {body}")

    def leftover_files(self) -> list[str]:
        return [os.path.join(d, f) for d, _, fs in os.walk(self.tmpdir) for f in fs]


TEST_ENV = {"FAKESCOPE_MAX_IMAGE_BYTES": str(IMAGE_CAP), "FAKESCOPE_READ_TIMEOUT": "1",
            "FAKESCOPE_CONNECT_TIMEOUT": "2", "FAKESCOPE_WORKERS": "1", "FAKESCOPE_QUEUE_SIZE": "2"}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A server that may fetch from 127.0.0.1 (the fixture server), one worker, a queue of two."""
    srv = RunningServer(tmp_path_factory.mktemp("srv"), allow_private=True, env=TEST_ENV).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory):
    """A server with the default address guard (private addresses refused), default caps."""
    srv = RunningServer(tmp_path_factory.mktemp("strict"), allow_private=False).start()
    yield srv
    srv.stop()
