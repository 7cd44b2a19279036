"""What onnxruntime's exact-int8-products entry costs the CLIP session on this CPU, and whether it changes a bit.

    python bench/clip_exact.py [--calls 15] [--images 4]

server/encoders/clip.py sets `session.x64quantprecision` only on CPUs without AVX-512 VNNI (AVX2-only CPUs
need it: their default kernel saturates and the embeddings come out wrong). This times one CLIP call (median
after a warm-up, the served session class: its threads, spinning off) with the entry on and off, and compares every output of
the two sessions on dataset photos + noise. On a VNNI CPU "off" is what runs and must be bit-identical; on an
AVX2-only CPU "off" is the broken mode (expect a large difference: that is why the entry exists there).
Writes bench/results/clip_exact.json. Not a test: nothing here asserts a time."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from perf_report import vector_isa  # noqa: E402


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=15)
    ap.add_argument("--images", type=int, default=4)
    args = ap.parse_args(argv)
    from PIL import Image

    from fakescope.server.encoders import clip
    from fakescope.server.encoders.artifacts import ensure
    from fakescope.training.config import shared_dir

    path = ensure(clip.ARTIFACT) / clip.FILE
    photos = sorted((shared_dir() / "datasets/images").rglob("*.jpg"))[: max(args.images - 1, 0)]
    rgbs = [np.asarray(Image.open(p).convert("RGB")) for p in photos]
    rgbs.append((np.random.default_rng(0).random((224, 224, 3)) * 255).astype(np.uint8))
    xs = [clip.preprocess(r) for r in rgbs]
    res = {"vector_isa": vector_isa(), "served_exact": clip.exact_int8_needed(), "calls": args.calls}
    outs = {}
    for exact in (True, False):
        s = clip.ClipImageEncoder(path, exact=exact).session
        name = s.get_inputs()[0].name
        for _ in range(3):
            s.run(None, {name: xs[0]})
        times = []
        for i in range(args.calls):
            t0 = time.perf_counter()
            s.run(None, {name: xs[i % len(xs)]})
            times.append(time.perf_counter() - t0)
        key = "exact" if exact else "native"
        res[f"{key}_ms_median"] = round(1000 * statistics.median(times), 1)
        res[f"{key}_ms_min"] = round(1000 * min(times), 1)
        outs[key] = [s.run(None, {name: x})[0] for x in xs]
    res["max_abs_diff"] = float(max(np.abs(a - b).max() for a, b in zip(outs["exact"], outs["native"])))
    res["bit_identical"] = res["max_abs_diff"] == 0.0
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "clip_exact.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
