"""The reference pipeline of the original write-up, timed on the same clip as FakeScope (issue 11).

    python bench/perf_reference.py CLIP.mp4 [--repeats 3]   -> one JSON line on stdout

Video: Xception at 128x128 (keras.applications.Xception, a sigmoid output), every 10th frame decoded
(OpenCV, the skipped frames only grabbed), each scored with ONE model call per frame, scores averaged.
Audio: the soundtrack decoded at 16 kHz, 40 MFCCs averaged over time, a logistic layer on the means.

The weights are RANDOM (weights=None): only the time matters here, and Xception's cost does not depend on
its weight values. Its accuracy is therefore not measured; the cards compare the published baselines on
the same splits. Each frame is scored with `model.predict_on_batch(x)`, the cheapest per-call route
measured in Keras 3 on this machine (per 128x128 frame, idle: predict_on_batch 20 ms, a tf.function 22 ms,
model.predict 79 ms, an eager model(x) 114 ms): the reference is given its best case, not a strawman."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build():
    import keras

    model = keras.applications.Xception(weights=None, input_shape=(128, 128, 3), classes=1,
                                        classifier_activation="sigmoid")
    rng = np.random.default_rng(0)
    audio_w, audio_b = rng.normal(size=40).astype(np.float32) * 0.05, np.float32(0.0)
    return model, (audio_w, audio_b)


def video_score(model, clip: Path, every: int = 10) -> tuple[float, int]:
    import cv2

    cap = cv2.VideoCapture(str(clip))
    scores, idx = [], 0
    try:
        while True:
            if idx % every == 0:
                ok, frame = cap.read()
                if not ok:
                    break
                x = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (128, 128), interpolation=cv2.INTER_AREA)
                x = (x.astype(np.float32) / 255.0)[None]
                scores.append(float(model.predict_on_batch(x)[0, 0]))  # one call per frame
            elif not cap.grab():
                break
            idx += 1
    finally:
        cap.release()
    return float(np.mean(scores)), len(scores)


def audio_score(head, clip: Path) -> float:
    import librosa

    from fakescope.server.media.decode import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(clip), "-vn", "-ac", "1", "-ar",
                        "16000", str(wav)], check=True)
        y, sr = librosa.load(str(wav), sr=16000)
    means = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1)
    w, b = head
    return float(1 / (1 + np.exp(-(means @ w + b))))


def main() -> int:
    ap = argparse.ArgumentParser(description="time the original write-up's pipeline on a clip")
    ap.add_argument("clip", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    model, head = build()
    model.predict_on_batch(np.zeros((1, 128, 128, 3), np.float32))  # warm-up: graph building, allocations
    audio_score(head, args.clip)                                    # warm-up: librosa imports
    setup = time.perf_counter() - t
    video, audio, frames = [], [], 0
    for _ in range(args.repeats):
        t = time.perf_counter()
        _, frames = video_score(model, args.clip)
        video.append(time.perf_counter() - t)
        t = time.perf_counter()
        audio_score(head, args.clip)
        audio.append(time.perf_counter() - t)
    total = [v + a for v, a in zip(video, audio)]
    print(json.dumps({"frames_scored": frames, "setup_s": round(setup, 3),
                      "video_s": video, "audio_s": audio, "total_s": total,
                      "total_median_s": statistics.median(total), "weights": "random (timing only)"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
