"""Load: ROUNDS x CHECKS checks from CLIENTS concurrent clients against a real FakeScope server on loopback,
mixed like real use (new images, identical images that hit the cache, short clips, speech, URL downloads,
some cancelled mid-way). Prints, per round: throughput, latency, 429s, cache hits, cancels, errors, and the
server's resident memory, open file descriptors, threads and leftover temp files, then whether memory, fds
and threads stayed flat.

    python bench/load.py                               # 3 x 1000 checks, 50 clients, probe detectors
    python bench/load.py --rounds 3 --checks 200 --clients 20
    python bench/load.py --shipped                     # the shipped models instead (much slower per check)

By default the server runs the test-only probe detectors (tests/server/probe_detectors.py): the figures then
measure the server itself (HTTP, queue, acquisition, decoding, store, cache, cleanup), not model time.
An error is anything but 202/200 or a 429 that carries Retry-After, a check that ends failed, or an
exception; 429s are retried after min(Retry-After, 2) s. tests/reliability/test_load_small.py runs a small
version of the same code and asserts the same properties."""
from __future__ import annotations

import argparse
import http.server
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from functools import partial
from pathlib import Path

import numpy as np
import requests

REPO = Path(__file__).resolve().parent.parent
LAUNCHER = REPO / "tests" / "server" / "serve_for_tests.py"
CLIENT = {"X-FakeScope-Client": "bench-load"}
TERMINAL = ("done", "failed", "cancelled")
MIX = (("image", 0.35), ("same-image", 0.15), ("clip", 0.15), ("speech", 0.15), ("url", 0.10), ("same-clip", 0.10))
CANCEL_SHARE = 0.05  # these are sent as slow checks (a pure red image) and cancelled 0-0.3 s after 202


# --- payloads -----------------------------------------------------------------------------------------------
def _ffmpeg(*args: str) -> None:
    from fakescope.server.media.decode import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def jpeg(seed: int, size=(256, 192)) -> bytes:
    from PIL import Image

    arr = (np.random.default_rng(seed).random((size[1], size[0], 3)) * 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def red_png(width: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, 32), (255, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def speech_wav(seed: int, seconds: float = 2.0, rate: int = 16000) -> bytes:
    """Speech-like: a voiced buzz (pitch ~120-220 Hz, formant-ish harmonics) with syllable-rate loudness."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 100 * rng.random()
    voice = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * (3 + 2 * rng.random()) * t))
    x = 0.25 * voice / 3 * envelope + 0.01 * rng.standard_normal(t.size)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    import struct

    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm)) + pcm)


class Payloads:
    """Bytes for each kind of check. Clips are made once by ffmpeg; unique ones differ by a metadata tag."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.clip = workdir / "clip.mp4"
        _ffmpeg("-f", "lavfi", "-i", "testsrc=size=192x144:rate=10", "-f", "lavfi", "-i",
                "sine=frequency=330:sample_rate=16000", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", str(self.clip))
        self.clip_bytes = self.clip.read_bytes()
        self.same_image = jpeg(424242)
        (workdir / "url.jpg").write_bytes(jpeg(777))

    def unique_clip(self, tag: str) -> bytes:
        out = self.dir / f"clip-{tag}.mp4"
        _ffmpeg("-i", str(self.clip), "-c", "copy", "-metadata", f"comment={tag}", str(out))
        data = out.read_bytes()
        out.unlink()
        return data

    def plan(self, round_no: int, n: int, seed: int) -> list[dict]:
        """The round's checks, made before the clock starts."""
        rng = random.Random(seed * 1000 + round_no)
        kinds, weights = zip(*MIX)
        items = []
        for i in range(n):
            kind = rng.choices(kinds, weights)[0]
            tag = f"{seed}-{round_no}-{i}"
            item = {"kind": kind, "cancel": rng.random() < CANCEL_SHARE, "i": i}
            if kind == "image":
                item.update(data=jpeg(zlib.crc32(tag.encode())), name="img.jpg")
            elif kind == "same-image":
                item.update(data=self.same_image, name="same.jpg")
            elif kind == "clip":
                item.update(data=self.unique_clip(tag), name="clip.mp4")
            elif kind == "same-clip":
                item.update(data=self.clip_bytes, name="clip.mp4")
            elif kind == "speech":
                item.update(data=speech_wav(zlib.crc32(tag.encode())), name="speech.wav")
            if item["cancel"]:  # cancelled mid-way: a pure red image, which the probe detector takes 8 s over
                item.update(kind="cancelled", data=red_png(40 + i % 97), name="red.png")
            items.append(item)
        return items


class MediaSite:
    """A local HTTP server for the URL checks."""

    def __init__(self, root: Path):
        handler = partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# --- the server's own figures --------------------------------------------------------------------------------
def process_figures(pid: int, tmpdir: Path | None) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    leftover = sum(len(files) + len([d for d in dirs if d.startswith("fakescope-check-")])
                   for _, dirs, files in os.walk(tmpdir)) if tmpdir else None
    return {"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1), "threads": int(fields["Threads"]),
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "temp_files": leftover}


def wait_idle(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(url + "/api/v1/health", timeout=10).json()["queue_depth"] == 0:
            return
        time.sleep(0.25)
    raise RuntimeError("the server did not drain its queue")


# --- one round -------------------------------------------------------------------------------------------------
class Round:
    def __init__(self, url: str, media_url: str, items: list[dict], clients: int, time_limit: float):
        self.url, self.media_url, self.items = url, media_url, list(items)
        self.clients, self.deadline = clients, time.monotonic() + time_limit
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.counts = {"done": 0, "cancelled": 0, "cached": 0, "busy_429": 0, "busy_without_retry_after": 0}

    def run(self) -> dict:
        t0 = time.monotonic()
        threads = [threading.Thread(target=self._client, args=(c,), daemon=True) for c in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1.0, self.deadline - time.monotonic() + 60))
        wall = time.monotonic() - t0
        left = len(self.items)
        if left or any(t.is_alive() for t in threads):
            self.errors.append(f"time limit: {left} checks never submitted")
        all_lat = [x for v in self.latency.values() for x in v]
        return {"checks": self.counts["done"] + self.counts["cancelled"], "wall_s": round(wall, 1),
                "checks_per_s": round((self.counts["done"] + self.counts["cancelled"]) / wall, 2),
                "p50_s": round(statistics.median(all_lat), 3) if all_lat else None,
                "p95_s": round(float(np.percentile(all_lat, 95)), 3) if all_lat else None,
                "p50_by_kind": {k: round(statistics.median(v), 3) for k, v in sorted(self.latency.items())},
                **self.counts, "errors": len(self.errors), "error_samples": self.errors[:5]}

    def _client(self, c: int) -> None:
        rng = random.Random(c)
        session = requests.Session()
        while time.monotonic() < self.deadline:
            with self.lock:
                if not self.items:
                    return
                item = self.items.pop()
            try:
                self._one(session, item, rng)
            except Exception as exc:  # noqa: BLE001 - every failure is a counted error
                self._error(f"{item['kind']}#{item['i']}: {type(exc).__name__}: {str(exc)[:160]}")
        session.close()

    def _submit(self, session, item):
        if item["kind"] == "url":
            return session.post(self.url + "/api/v1/checks", json={"url": f"{self.media_url}/url.jpg?n={item['i']}",
                                                                   "kind": "image"}, timeout=60)
        return session.post(self.url + "/api/v1/checks", files={"media": (item["name"], item["data"])},
                            headers=CLIENT, timeout=60)

    def _one(self, session, item, rng) -> None:
        t0 = time.monotonic()
        while True:
            r = self._submit(session, item)
            if r.status_code != 429:
                break
            retry = r.headers.get("Retry-After")
            with self.lock:
                self.counts["busy_429"] += 1
                if not (retry and retry.isdigit()):
                    self.counts["busy_without_retry_after"] += 1
            if not (retry and retry.isdigit()):
                return self._error(f"429 without Retry-After: {r.headers}")
            if time.monotonic() > self.deadline:
                return self._error("time limit while busy")
            time.sleep(min(int(retry), 2) * rng.uniform(0.5, 1.0))
        if r.status_code != 202:
            return self._error(f"{item['kind']}: HTTP {r.status_code} {r.text[:200]}")
        body = r.json()
        if item["cancel"] and body["status"] not in TERMINAL:
            time.sleep(rng.uniform(0.0, 0.3))
            d = session.delete(f"{self.url}/api/v1/checks/{body['id']}", timeout=30)
            if d.status_code != 200:
                return self._error(f"cancel: HTTP {d.status_code} {d.text[:200]}")
            body = d.json()
        while body["status"] not in TERMINAL:
            if time.monotonic() > self.deadline + 60:
                return self._error(f"check {body['id']} never finished")
            body = session.get(f"{self.url}/api/v1/checks/{body['id']}", params={"wait": 20}, timeout=60).json()
        if body["status"] == "failed":
            return self._error(f"{item['kind']}: check failed: {body.get('error')}")
        if body["status"] == "cancelled" and not item["cancel"]:
            return self._error(f"{item['kind']}: cancelled without being asked")
        with self.lock:
            self.counts[body["status"]] += 1
            self.counts["cached"] += bool(body.get("cached"))
            self.latency.setdefault(item["kind"], []).append(time.monotonic() - t0)
        return None

    def _error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def run(url: str, pid: int, tmpdir: Path | None, *, rounds: int = 3, checks: int = 1000, clients: int = 50,
        time_limit: float = 900.0, seed: int = 1, say=print) -> dict:
    """Run the rounds against a server already up (its pid and $TMPDIR, for the process figures)."""
    work = Path(tempfile.mkdtemp(prefix="fakescope-load-"))
    payloads = Payloads(work)
    site = MediaSite(work)
    out = {"rounds": [], "start": process_figures(pid, tmpdir)}
    try:
        for n in range(1, rounds + 1):
            items = payloads.plan(n, checks, seed)
            figures = Round(url, site.url, items, clients, time_limit).run()
            wait_idle(url)
            figures.update(process_figures(pid, tmpdir))
            out["rounds"].append(figures)
            say(f"round {n}: " + json.dumps({k: v for k, v in figures.items() if k != "error_samples"}))
            for e in figures["error_samples"]:
                say(f"  error: {e}")
    finally:
        site.close()
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    out["verdict"] = judge(out["rounds"])
    return out


def judge(rounds: list[dict]) -> dict:
    """Flat = the last round within a margin of the first (which already paid one-time allocations)."""
    first, last = rounds[0], rounds[-1]
    return {"errors": sum(r["errors"] for r in rounds),
            "busy_without_retry_after": sum(r["busy_without_retry_after"] for r in rounds),
            "rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 1),
            "rss_flat": last["rss_mb"] - first["rss_mb"] <= max(40.0, 0.10 * first["rss_mb"]),
            "fd_growth": last["fds"] - first["fds"], "fds_flat": last["fds"] <= first["fds"] + 4,
            "thread_growth": last["threads"] - first["threads"], "threads_flat": last["threads"] <= first["threads"] + 2,
            "temp_files_left": [r["temp_files"] for r in rounds]}


def start_server(root: Path, shipped: bool, workers: int) -> tuple[str, subprocess.Popen, Path]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp, data, models = root / "tmp", root / "data", root / "models"
    for d in (tmp, data, models):
        d.mkdir(parents=True, exist_ok=True)
    args = ["serve", "--port", str(port), "--data-dir", str(data), "--allow-private-addresses"]
    if shipped:
        cmd = [sys.executable, "-m", "fakescope.server", *args]
    else:
        (models / "manifest.json").write_text('{"schema": 1, "models": {}}\n')
        cmd = [sys.executable, str(LAUNCHER), *args, "--models", str(models)]
    env = {**os.environ, "TMPDIR": str(tmp), "FAKESCOPE_WORKERS": str(workers), "OMP_NUM_THREADS": "1",
           "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=open(root / "server.log", "ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((root / "server.log").read_text()[-2000:])
        try:
            if requests.get(url + "/api/v1/health", timeout=2).ok:
                return url, proc, tmp
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--checks", type=int, default=1000, help="checks per round")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=900.0, help="seconds per round before it is cut")
    ap.add_argument("--shipped", action="store_true", help="the shipped models instead of the probe detectors")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fakescope-loadsrv-"))
    url, proc, tmp = start_server(root, args.shipped, args.workers)
    print(f"server {url} (pid {proc.pid}, {'shipped models' if args.shipped else 'probe detectors'}, "
          f"{args.workers} workers); {args.rounds} x {args.checks} checks from {args.clients} clients")
    try:
        out = run(url, proc.pid, tmp, rounds=args.rounds, checks=args.checks, clients=args.clients,
                  time_limit=args.time_limit, seed=args.seed)
    finally:
        proc.terminate()
        proc.wait(30)
    v = out["verdict"]
    print("start: " + json.dumps(out["start"]))
    print("verdict: " + json.dumps(v))
    ok = (v["errors"] == 0 and v["busy_without_retry_after"] == 0 and v["rss_flat"] and v["fds_flat"]
          and v["threads_flat"] and not any(v["temp_files_left"]))
    if ok:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    print("PASS" if ok else f"FAIL (server log and data kept in {root})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
