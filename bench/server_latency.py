"""End-to-end latency of image checks through the HTTP API: upload + long-poll until done.

    python bench/server_latency.py [-n 20] [--url http://127.0.0.1:8765] [--size 640x480]

Without --url it starts `python -m fakescope.server serve` on a free port (the repo's models/, a temporary data
dir). Every image is distinct (no cache hits), then the first one is re-sent to time a cache hit.
Prints median and p90 in milliseconds."""
from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests
from PIL import Image

HEADERS = {"X-FakeScope-Client": "bench"}


def jpeg(seed: int, w: int, h: int) -> bytes:
    arr = (np.random.default_rng(seed).random((h, w, 3)) * 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def one_check(base: str, data: bytes) -> tuple[float, dict]:
    t = time.perf_counter()
    r = requests.post(f"{base}/api/v1/checks", files={"media": ("b.jpg", data)}, data={"kind": "image"},
                      headers=HEADERS, timeout=120)
    r.raise_for_status()
    body = r.json()
    while body["status"] not in ("done", "failed", "cancelled"):
        body = requests.get(f"{base}/api/v1/checks/{body['id']}", params={"wait": 30}, timeout=60).json()
    return time.perf_counter() - t, body


def start_server(tmp: Path) -> tuple[str, subprocess.Popen]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "fakescope.server", "serve", "--port", str(port), "--data-dir",
                             str(tmp / "data")], cwd=Path(__file__).resolve().parent.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(base + "/api/v1/health", timeout=2).ok:
                return base, proc
        except requests.ConnectionError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not start")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--url", default=None)
    ap.add_argument("--size", default="640x480")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        base = args.url
        if base is None:
            base, proc = start_server(Path(tmp))
        try:
            health = requests.get(base + "/api/v1/health", timeout=10).json()
            one_check(base, jpeg(10_000, w, h))  # warm-up, not counted
            images = [jpeg(i, w, h) for i in range(args.n)]
            times, verdicts = [], set()
            for data in images:
                dt, body = one_check(base, data)
                times.append(dt)
                verdicts.add((body.get("result") or {}).get("verdict", body["status"]))
            hit, body = one_check(base, images[0])
            print(f"server {base}  detectors {health['detectors']}  image {w}x{h}  n={args.n}")
            print(f"check latency: median {statistics.median(times) * 1000:.0f} ms  p90 {pct(times, 90):.0f} ms  "
                  f"max {max(times) * 1000:.0f} ms  verdicts {sorted(verdicts)}")
            print(f"cache hit: {hit * 1000:.0f} ms (cached={body['cached']})")
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
