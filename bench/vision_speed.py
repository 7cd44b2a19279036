"""Speed of the image/video detectors on this machine (medians over repeats; not a unit test).

    python bench/vision_speed.py [--repeats 3] [--seconds 60]

Measures (1) ms per face crop for the shipped face model in a batch of 64, (2) the full face pipeline on
a generated 60 s 1280x720 H.264 clip (a face photo moving over a test pattern; ffmpeg from imageio-ffmpeg),
split into frame sampling, face finding and scoring, against the 6 s target, and (3) one image check.
Writes bench/results/vision_speed.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def make_720p_clip(out: Path, face: Path, seconds: int, gop: int = 250) -> Path:
    from server.media.decode import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30",
           "-loop", "1", "-i", str(face), "-filter_complex",
           "[1]scale=300:-1[f];[0][f]overlay=x='400+200*sin(t/3)':y='200+60*cos(t/2)'",
           "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", str(gop), "-pix_fmt", "yuv420p", str(out)]
    subprocess.run(cmd, check=True, timeout=600)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    from server import modelstore
    from server.detectors.base import Context
    from server.detectors.face_manipulation import FaceManipulationDetector
    from server.features.face import standardize, to_model_input
    from server.features.video import sample_video
    from server.media.types import Media

    models = REPO / "models"
    man = modelstore.read_manifest(models)
    det = FaceManipulationDetector(modelstore.load_model(models, "face_manipulation", man["face_manipulation"]),
                                   man["face_manipulation"], {"yunet": modelstore.load_model(models, "yunet", man["yunet"])})
    det.warmup()
    shared = Path(os.environ.get("FAKESCOPE_SHARED", REPO.parent / "shared"))
    face = shared / "datasets" / "images" / "real" / "smoke" / "mesonet_real00240.jpg"
    res: dict = {}
    x = to_model_input([standardize(np.full((128, 128, 3), 120, np.uint8))] * 64)
    t = []
    for _ in range(5):
        t0 = time.perf_counter()
        det.model.predict_on_batch(x)
        t.append(time.perf_counter() - t0)
    res["ms_per_crop_batch64"] = 1000 * float(np.median(t)) / 64
    # x264's default GOP (250 frames = 8.3 s) forces decoding; a 1 s GOP (typical of web video) allows
    # the keyframe-only path. Both are reported.
    for gop in (250, 30):
        with tempfile.TemporaryDirectory() as tmp:
            clip = make_720p_clip(Path(tmp) / "clip720.mp4", face, args.seconds, gop)
            decode, total = [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                n = len(sample_video(clip, 1.0, 60))
                decode.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                out = det.predict(Media("video", clip, "0", clip.stat().st_size), Context())
                total.append(time.perf_counter() - t0)
            res[f"clip_gop{gop}"] = {
                "seconds": args.seconds, "size": "1280x720", "frames_sampled": n,
                "sampling_only_s_median": float(np.median(decode)), "total_s_median": float(np.median(total)),
                "target_s": 6.0, "meets_target": bool(np.median(total) <= 6.0),
                "faces_found_in_frames": sum(1 for e in out["regions"]["timeline"] if e["faces"])}
    t = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        det.predict(Media("image", face, "0", face.stat().st_size), Context())
        t.append(time.perf_counter() - t0)
    res["image_check_s_median"] = float(np.median(t))
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vision_speed.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
