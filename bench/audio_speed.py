"""Speed of the audio detector on 60 s of real speech: median of N end-to-end predict() calls (decode,
energy gate, 4 s windows every 2 s, 8 per Whisper tiny.en encoder call, speech gate and fake/real heads,
calibration), with the shipped model.

    python bench/audio_speed.py [--seconds 60] [--runs 7]
Target: 60 s of audio in <= 1 s on the 2-core CPU."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from perf_report import vector_isa  # noqa: E402


def measure(seconds: float = 60.0, runs: int = 7) -> dict:
    """Median wall time of the shipped detector's predict() on `seconds` of real speech."""
    from fakescope.server import modelstore
    from fakescope.server.detectors import Context, discover
    from fakescope.server.media.types import Media
    from fakescope.training.config import limit_threads, shared_dir

    limit_threads(2)
    models = ROOT / "models"
    entry = modelstore.read_manifest(models)["audio_speech"]
    det = discover()["audio_speech"](model=modelstore.load_model(models, "audio_speech", entry), entry=entry)
    det.warmup()
    # real speech from the dataset, concatenated to the requested length
    clips = sorted((shared_dir() / "datasets/audio/real/librispeech_resemblyzer").glob("*.flac"))[:30]
    from fakescope.server.media.decode import load_audio

    x = np.concatenate([load_audio(c) for c in clips])
    x = np.tile(x, int(np.ceil(seconds * 16000 / len(x))))[: int(seconds * 16000)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes((x * 32767).astype("<i2").tobytes())
        media = Media(kind="audio", path=path, sha256="0" * 64, size_bytes=path.stat().st_size)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = det.predict(media, Context())
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"audio_seconds": seconds, "runs": runs, "median_s": round(med, 3),
            "min_s": round(min(times), 3), "windows": r["windows"],
            "realtime_factor": round(seconds / med, 1), "target_s": 1.0, "meets_target": med <= 1.0,
            "load_average_1min": None if load is None else round(load, 2), "cpus": os.cpu_count(),
            "vector_isa": vector_isa()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(json.dumps(measure(args.seconds, args.runs), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
