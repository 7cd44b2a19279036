"""How long the detector takes from file bytes to verdict (decode, one CLIP call, head), as it serves, and
how big the head is: the card's "Speed and size"."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from fakescope.training.config import repo_root


def serving_latency(cfg: dict, table: dict, images_dir, head: dict, n: int = 40) -> dict:
    """p50 / p90 of file bytes -> verdict through the detector over n data-set images."""
    from fakescope.server.detectors.ai_image import AIImageDetector
    from fakescope.server.detectors.base import Context
    from fakescope.server.media.types import Media

    det = AIImageDetector(head, {"version": cfg["version"], "calibration": None})
    det.warmup()
    idx = np.linspace(0, len(table["path"]) - 1, min(n, len(table["path"]))).astype(int)
    wall, cpu = [], []
    for i in idx:
        path = Path(images_dir) / table["path"][i]
        t0, c0 = time.perf_counter(), time.process_time()
        det.predict(Media(kind="image", path=path, sha256="0", size_bytes=path.stat().st_size), Context())
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time is the load-independent figure on a shared machine: wall time there includes waiting for cores
    return {"p50_ms": 1000 * float(np.median(wall)), "p90_ms": 1000 * float(np.percentile(wall, 90)),
            "cpu_p50_ms": 1000 * float(np.median(cpu)), "n": len(wall),
            "encoder_threads": os.environ.get("FAKESCOPE_ENCODER_THREADS", "onnxruntime default"),
            "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


def run(cfg: dict, ctx: dict, res=None) -> dict:
    """The shipped head (ctx["head"], checked against the config by the calibration step) as it serves."""
    return serving_latency(cfg, ctx["table"], ctx["images"], ctx["head"])


def sections(cfg: dict, res: dict) -> list[tuple[str, str]]:
    lat = res["latency"]
    kb = (repo_root() / "models" / cfg["model_file"]).stat().st_size / 1e3
    return [("Speed and size", f"File bytes -> verdict through the detector (decode, one CLIP call, head): p50 "
                               f"{lat['p50_ms']:.0f} ms, p90 {lat['p90_ms']:.0f} ms over {lat['n']} data-set images, "
                               f"CPU time p50 {lat['cpu_p50_ms']:.0f} ms (encoder threads: {lat['encoder_threads']}; "
                               f"{lat['cpus']} CPUs shared with other jobs, 1-min load average "
                               f"{lat['load_average_1min']} during the measurement). The encoder (~90 MB) is fetched "
                               f"on first start, not committed; the head is {kb:.0f} kB.")]
