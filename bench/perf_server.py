"""A real FakeScope server in a subprocess (the repo's models, a fresh data dir, a free loopback port) and
the public-API client bench/run_all.py times: upload + long-poll until done, as the extension does."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
HEADERS = {"X-FakeScope-Client": "bench"}
TERMINAL = ("done", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, models: Path | None = None, extra_env: dict | None = None):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.models = models or REPO / "models"
        self.env = {**os.environ, "TMPDIR": str(root), **(extra_env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = root / "server.log"
        self.ready_s: float | None = None

    def start(self, timeout: float = 300) -> "Server":
        """Start and wait for /health; ready_s = seconds from exec to the first 200."""
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "fakescope.server", "serve", "--port", str(self.port),
                                      "--data-dir", str(self.root / "data"), "--models", str(self.models)],
                                     cwd=str(REPO), env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}): {self.log.read_text()[-1500:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    self.ready_s = time.perf_counter() - t0
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("server did not become ready")

    def health(self) -> dict:
        return requests.get(self.url + "/api/v1/health", timeout=10).json()

    def rss(self) -> dict:
        """Resident memory of the server process now and at its peak (Linux /proc), in bytes."""
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def check_bytes(base: str, data: bytes, name: str, kind: str = "auto", session=None) -> tuple[float, dict]:
    """POST the bytes, long-poll until done; (wall seconds, final check). Waits and retries on 429."""
    http = session or requests
    t = time.perf_counter()
    while True:
        r = http.post(f"{base}/api/v1/checks", files={"media": (name, data)}, data={"kind": kind},
                      headers=HEADERS, timeout=600)
        if r.status_code != 429:
            break
        time.sleep(float(r.headers.get("Retry-After", "1")) / 4)
    if r.status_code >= 400:
        raise RuntimeError(f"{name}: HTTP {r.status_code} {r.text[:300]}")
    body = r.json()
    while body["status"] not in TERMINAL:
        body = http.get(f"{base}/api/v1/checks/{body['id']}", params={"wait": 30}, timeout=60).json()
    if body["status"] != "done":
        raise RuntimeError(f"{name}: check {body['status']}: {body.get('error')}")
    return time.perf_counter() - t, body


def check_file(base: str, path: Path, kind: str = "auto") -> tuple[float, dict]:
    return check_bytes(base, path.read_bytes(), path.name, kind)
