"""What content routing saves (issue 23): a picture whose face fills it is judged by the face model alone when
that model decides for face pictures, so its whole-image encoder call is not paid. Same process, same detectors
(server.checks.load_detectors + Pipeline.score, the server's own path from bytes to verdict), the two modes
alternating repeat by repeat so the host's slow phases hit both alike:

  routed      as served (verdict.FACE_DOMINANT_SHARE)
  unrouted    routing switched off (every picture also pays the whole-image call): the behaviour before

    python bench/routing_speed.py [--repeats 7]

Prints and writes bench/results/routing_speed.json: p50 ms of one face photo, p50 ms of one scene (no face:
unchanged by routing, a control) and page-scan throughput (12 pictures, half face photos, half scenes, one
after the other) in pictures per second, per mode, with the face model's role for face pictures (routing only
acts when it decides). Media are made here (matplotlib's bundled portrait, synthetic scenes): no ../shared.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pictures(folder: Path) -> tuple[list[Path], list[Path]]:
    """Six face photos (crops of one portrait at several sizes) and six scenes (smooth colour fields with
    texture, no face)."""
    import matplotlib
    from PIL import Image

    portrait = Image.open(f"{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg").convert("RGB")
    faces, scenes = [], []
    for i, side in enumerate((512, 448, 400, 360, 320, 480)):
        p = folder / f"face{i}.jpg"
        portrait.crop((0, 40, 512, 552)).resize((side, side)).save(p, "JPEG", quality=90)
        faces.append(p)
    rng = np.random.default_rng(3)
    for i in range(6):
        h, w = 480, 640
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
        base = np.stack([np.sin(xx * (3 + i)) , np.cos(yy * (2 + i)), np.sin((xx + yy) * 4)], -1) * 90 + 128
        img = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        p = folder / f"scene{i}.jpg"
        Image.fromarray(img).save(p, "JPEG", quality=90)
        scenes.append(p)
    return faces, scenes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    from fakescope.server import verdict
    from fakescope.server.checks import Pipeline, load_detectors
    from fakescope.server.config import Settings
    from fakescope.server.media.types import Media
    from fakescope.server.store import Store

    detectors, manifest = load_detectors(REPO / "models")
    face_det = next(d for d in detectors if d.name == "face_manipulation")
    served_share = verdict.FACE_DOMINANT_SHARE
    res: dict = {"face_model_decides_for_face_pictures": not face_det.advisory_for("face_picture"),
                 "face_dominant_share": served_share, "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        faces, scenes = pictures(tmp)
        pipe = Pipeline(Settings(data_dir=tmp / "data"), Store(tmp / "db.sqlite3"), detectors)

        def score(path: Path) -> dict:
            return pipe.score(Media("image", path, "0", path.stat().st_size), None, {})

        times = {m: {"face": [], "scene": [], "page": []} for m in ("routed", "unrouted")}
        calls = {}
        score(faces[0]), score(scenes[0])  # warm-up
        for _ in range(args.repeats):
            for mode in ("routed", "unrouted"):
                verdict.FACE_DOMINANT_SHARE = served_share if mode == "routed" else 2.0  # a share never reached
                for kind, path in (("face", faces[0]), ("scene", scenes[0])):
                    t = time.perf_counter()
                    out = score(path)
                    times[mode][kind].append(time.perf_counter() - t)
                    calls[(mode, kind)] = sorted(a["detector"] for a in out["applied"])
                t = time.perf_counter()
                for p in faces + scenes:
                    score(p)
                times[mode]["page"].append(time.perf_counter() - t)
        verdict.FACE_DOMINANT_SHARE = served_share
    for mode, t in times.items():
        res[mode] = {"face_photo_ms_p50": round(1000 * statistics.median(t["face"]), 1),
                     "scene_ms_p50": round(1000 * statistics.median(t["scene"]), 1),
                     "page_scan_pictures_per_s": round(12 / statistics.median(t["page"]), 2),
                     "face_photo_detectors_applied": calls[(mode, "face")]}
    res["face_photo_ratio_unrouted_over_routed"] = round(res["unrouted"]["face_photo_ms_p50"]
                                                         / res["routed"]["face_photo_ms_p50"], 2)
    from perf_report import save_result

    return save_result("routing_speed", res)


if __name__ == "__main__":
    raise SystemExit(main())
