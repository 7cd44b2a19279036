"""The face detector at its served encoder input (server.features.face.ENCODER_SIZE) against other input
sizes, in ONE process, alternating, so a busy shared machine slows every size alike (not a unit test).

    python bench/face_sizes.py [--sizes 224] [--rounds 2] [--repeats 15]

Per size and round: a face photo bytes -> face result (p50 over repeats) and a generated 60 s 1280x720 clip
(bench/vision_speed.make_720p_clip, 2 s GOP) through the face detector with the server's default sampling.
The other sizes run the shipped head on features it was not trained on: only their time means anything
(their accuracy is the face card's "encoder input" rows). Writes bench/results/face_sizes.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from vision_speed import make_720p_clip  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[224])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    from fakescope.server.checks import load_detectors
    from fakescope.server.config import Settings
    from fakescope.server.detectors.base import Context
    from fakescope.server.features.face import ENCODER_SIZE, face_encoder
    from fakescope.server.media.types import Media

    shipped = next(d for d in load_detectors(REPO / "models")[0] if d.name == "face_manipulation")
    detectors = {ENCODER_SIZE: shipped}
    for size in args.sizes:
        if size != ENCODER_SIZE:
            # same model files, finder, crops and head; another encoder session
            detectors[size] = type(shipped)(shipped.model, shipped.entry, shipped.extra, encoder=face_encoder(size))
    settings = Settings()
    video = {"every_seconds": settings.video_every_seconds, "max_frames": settings.video_max_frames}
    shared = Path(os.environ.get("FAKESCOPE_SHARED", REPO.parent / "shared"))
    photo = shared / "datasets" / "images" / "real" / "smoke" / "mesonet_real00240.jpg"
    times: dict = {s: {"image_ms": [], "clip_s": []} for s in detectors}
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_720p_clip(Path(tmp) / "clip.mp4", photo, 60, gop=60)
        for det in detectors.values():                                   # warm-up
            det.predict(Media("image", photo, "0", photo.stat().st_size), Context())
        for _ in range(args.rounds):
            for size, det in detectors.items():
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    det.predict(Media("image", photo, "0", photo.stat().st_size), Context())
                    times[size]["image_ms"].append(1000 * (time.perf_counter() - t))
                t = time.perf_counter()
                det.predict(Media("video", clip, "0", clip.stat().st_size), Context(settings=video))
                times[size]["clip_s"].append(time.perf_counter() - t)
    res = {"served_size": ENCODER_SIZE, "load_average_1min": round(os.getloadavg()[0], 2),
           "sizes": {str(s): {"image_ms_p50": round(statistics.median(t["image_ms"]), 1),
                              "clip_60s_s": [round(x, 2) for x in t["clip_s"]]} for s, t in times.items()},
           "budgets": {"image_ms": 80, "clip_60s_s": 6}}
    out = REPO / "bench" / "results" / "face_sizes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
