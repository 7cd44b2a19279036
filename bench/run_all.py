"""Every figure of issue 11 in one run, through the public API, on generated inputs; writes docs/performance.md.

    python bench/run_all.py [--repeats 3] [--images 30] [--out docs/performance.md]

Fresh servers (`python -m fakescope.server serve`, the repo's models, empty data dirs) on free loopback ports:
  1. server ready after start, and the first check of a 46 s MP3 in each fresh server (--fresh starts);
  2. on one warm server: image bytes -> verdict (p50/p95 of --images distinct 1024x768 face photos, one at a
     time), a page scan (50 different photos from 10 concurrent clients, images/s), a 60 s 720p clip with a
     soundtrack (uploaded: no download), 60 s of speech, `fakescope check photo.jpg` in a fresh process
     against that server, and the server's resident memory with every model loaded and used;
  3. the reference pipeline of the original write-up (bench/perf_reference.py) on the same clip.
Every input is a cache miss (distinct bytes). Figures: median, min and max after a warm-up.
Results also go to bench/results/run_all.json. Not a test: nothing here asserts a time."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import perf_inputs  # noqa: E402
import perf_report  # noqa: E402
from perf_server import Server, check_bytes, check_file  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fresh_starts(work: Path, mp3: Path, n: int, res: dict, models: Path) -> None:
    ready, decode, first = [], [], []
    for i in range(n):
        v = perf_inputs.variant(mp3, i, work)
        with Server(work / f"fresh{i}", models) as srv:
            ready.append(srv.ready_s)
            wall, body = check_file(srv.url, v)
            first.append(wall)
            decode.append(body["result"]["timings"]["decode"])
        log(f"fresh start {i}: ready {srv.ready_s:.2f} s, first MP3 check {wall:.2f} s (decode {decode[-1]:.3f} s)")
    res["ready_s"], res["mp3_decode_s"], res["mp3_first_check_s"] = ready, decode, first
    res["mp3_former_decode_s"] = former_decode(mp3, n)


FORMER_DECODE = """
import sys, time
t = time.perf_counter()
import numpy as np, soundfile as sf, librosa
x, rate = sf.read(sys.argv[1], dtype="float32", always_2d=True)
y = librosa.resample(x.mean(axis=1), orig_sr=rate, target_sr=16000, res_type="soxr_hq")
print(time.perf_counter() - t)
"""


def former_decode(mp3: Path, n: int) -> list[float]:
    """The decode path before the fast path (libsndfile + librosa soxr_hq), first call in a fresh process
    as in a fresh server: the comparison for the MP3 row."""
    out = []
    for _ in range(n):
        proc = subprocess.run([sys.executable, "-c", FORMER_DECODE, str(mp3)], capture_output=True, text=True)
        if proc.returncode == 0:
            out.append(float(proc.stdout.strip().splitlines()[-1]))
    return out


def page_scan(url: str, photos: list[bytes], clients: int = 10) -> float:
    """All photos sent by `clients` concurrent clients (each its own share, one at a time); images/s."""
    shares = [photos[i::clients] for i in range(clients)]

    def client(share):
        import requests

        with requests.Session() as s:
            for j, data in enumerate(share):
                check_bytes(url, data, f"p{j}.jpg", "image", session=s)

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, shares))
    return len(photos) / (time.perf_counter() - t)


def cli_checks(url: str, work: Path, runs: int) -> list[float]:
    # the console script installed beside this interpreter (no pyenv/venv shim in front of it)
    exe = Path(sys.executable).with_name("fakescope")
    if exe.exists():
        cmd = [str(exe)]
    elif shutil.which("fakescope"):
        cmd = [shutil.which("fakescope")]
    else:
        cmd = [sys.executable, "-m", "fakescope.server"]
    times = []
    for i in range(runs + 1):
        photo = work / f"photo{i}.jpg"
        photo.write_bytes(perf_inputs.photo(5000 + i))
        t = time.perf_counter()
        proc = subprocess.run([*cmd, "check", str(photo), "--server", url], capture_output=True, text=True,
                              cwd=str(work))
        dt = time.perf_counter() - t
        if proc.returncode != 0 or "checking with the FakeScope server" not in proc.stderr:
            raise RuntimeError(f"fakescope check failed: {proc.stderr[-500:]}")
        if i:  # the first run warms the page cache for the interpreter and libraries
            times.append(dt)
    return times


def step(res: dict, name: str, fn) -> None:
    """Run one figure; a failure (e.g. a detector mid-change) is recorded and the run goes on."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - reported in the page, not hidden
        res.setdefault("errors", {})[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
        log(f"{name}: FAILED {res['errors'][name]}")


def warm_server(work: Path, inputs: dict, args, res: dict) -> None:
    with Server(work / "main", args.models) as srv:
        res["health"] = srv.health()
        log(f"warm server ready in {srv.ready_s:.2f} s: detectors {res['health']['detectors']}")
        # warm-up: one of each kind (first-call costs are not what these rows measure)
        step(res, "warm-up", lambda: (check_bytes(srv.url, perf_inputs.photo(99_999), "warm.jpg", "image"),
                                      check_file(srv.url, perf_inputs.variant(inputs["clip"], 99, work)),
                                      check_file(srv.url, perf_inputs.variant(inputs["speech"], 99, work))))
        photos = [perf_inputs.photo(i) for i in range(args.images)]

        def images():
            res["image_s"] = [check_bytes(srv.url, p, f"img{i}.jpg", "image")[0] for i, p in enumerate(photos)]
            log(f"image p50 {statistics.median(res['image_s']) * 1000:.0f} ms")

        def scan():
            out = []
            for r in range(args.repeats):
                out.append(page_scan(srv.url, [perf_inputs.photo(10_000 + 100 * r + j) for j in range(50)]))
            res["scan_ips"] = out
            log(f"page scan {statistics.median(out):.1f} images/s")

        def clip():
            walls, server, timings = [], [], []
            for r in range(args.repeats):
                wall, body = check_file(srv.url, perf_inputs.variant(inputs["clip"], r, work))
                walls.append(wall)
                server.append(body["result"]["timings"].get("total"))
                timings.append(body["result"]["timings"])
            res["clip_s"], res["clip_server_s"], res["clip_timings"] = walls, server, timings
            res["clip_verdict"] = body["result"]["verdict"]
            log(f"60 s clip {statistics.median(walls):.2f} s")

        def speech():
            res["speech_s"] = [check_file(srv.url, perf_inputs.variant(inputs["speech"], r, work))[0]
                               for r in range(args.repeats)]
            log(f"60 s speech {statistics.median(res['speech_s']):.2f} s")

        def cli():
            res["cli_s"] = cli_checks(srv.url, work, args.cli_runs)
            log(f"fakescope check {statistics.median(res['cli_s']):.2f} s")

        for name, fn in (("image", images), ("scan", scan), ("clip", clip), ("speech", speech), ("cli", cli)):
            step(res, name, fn)
        res["rss"] = srv.rss()


def reference(clip: Path, repeats: int) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "perf_reference.py"), str(clip), "--repeats", str(repeats)],
                          capture_output=True, text=True, cwd=str(REPO))
    if proc.returncode != 0:
        raise RuntimeError(f"reference pipeline failed: {proc.stderr[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure after the warm-up")
    ap.add_argument("--images", type=int, default=30, help="distinct photos for image p50/p95")
    ap.add_argument("--cli-runs", type=int, default=7)
    ap.add_argument("--fresh", type=int, default=3, help="fresh server starts (ready time, first MP3 check)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "run_all.json")
    ap.add_argument("--models", type=Path, default=REPO / "models", help="models folder (default: the repo's)")
    ap.add_argument("--note", default="", help="a line about the conditions, printed under the machine")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite --out from --json (e.g. after editing bench/perf_notes.md)")
    args = ap.parse_args()
    if args.render:
        if not args.json.exists():
            print(f"bench: no results at {args.json}: run without --render first", file=sys.stderr)
            return 2
        saved = json.loads(args.json.read_text())
        args.out.write_text(perf_report.render(saved, saved.get("note", "")))
        print(f"rewrote {args.out} from {args.json}")
        return 0
    res: dict = {"note": args.note, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                 "machine_before": perf_report.machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="fakescope-bench-") as tmp:
            work = Path(tmp)
            log("generating inputs")
            inputs = perf_inputs.make_all(work / "inputs")
            step(res, "fresh", lambda: fresh_starts(work, inputs["mp3"], args.fresh, res, args.models))
            warm_server(work, inputs, args, res)
            log("reference pipeline (Xception-128, every 10th frame, one call per frame; MFCC means)")

            def ref():
                res["reference"] = reference(inputs["clip"], args.repeats)
                log(f"reference {res['reference']['total_median_s']:.2f} s")

            step(res, "reference", ref)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    res["machine_after"] = perf_report.machine()
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    res["models"] = perf_report.manifest_summary(args.models)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=2) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(perf_report.render(res, args.note))
    print(perf_report.table(res))
    log(f"wrote {args.out} and {args.json} in {res['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
