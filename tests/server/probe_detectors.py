"""Test-only detectors (never shipped): simple measurable signals so the server's jobs, progress, cancel
and verdict paths run end to end without trained models. Imported by serve_for_tests.py."""
from __future__ import annotations

import os
import time

import numpy as np

from fakescope.server.detectors import Detector, register
from fakescope.server.features.video import sample_video
from fakescope.server.media.decode import load_audio, load_image
from fakescope.server.verdict import band

SLOW_SECONDS = 8.0
BLOCK_SECONDS = 180.0


@register
class MeanPixelProbe(Detector):
    """Score = mean pixel value / 255. A pure red image is 'slow' (8 s of progress steps) so tests can
    cancel it or fill the queue; a pure blue one blocks until cancelled."""

    name = "test_mean_pixel"
    kinds = ("image",)

    def predict(self, media, ctx):
        img = load_image(media.path)
        r, g, b = (float(img[..., c].mean()) for c in range(3))
        if r < 5 and g < 5 and b > 250:  # pure blue: runs until cancelled (at most BLOCK_SECONDS), so a
            steps = int(BLOCK_SECONDS / 0.05)  # cancel test never races the check's own end on a loaded machine
            for i in range(steps):
                ctx.progress("scoring image", i / steps)
                time.sleep(0.05)
        if r > 250 and g < 5 and b < 5:
            steps = int(SLOW_SECONDS / 0.05)
            for i in range(steps):
                ctx.progress("scoring image", i / steps)  # raises Cancelled once the user cancels
                time.sleep(0.05)
        score = float(img.mean()) / 255.0
        return self.result(score, band(score, 0.3, 0.7), regions={"faces": []})


@register
class LoudnessProbe(Detector):
    """Score = RMS loudness of the audio (or a video's extracted track); not applicable without audio."""

    name = "test_loudness"
    kinds = ("audio", "video")

    def predict(self, media, ctx):
        path = media.path if media.kind == "audio" else media.audio_path
        if path is None:
            return self.not_applicable("no audio track")
        ctx.progress("scoring audio", 0.0)
        x = load_audio(path)
        score = float(min(1.0, np.sqrt(np.mean(x ** 2)) * 2))
        return self.result(score, band(score, 0.3, 0.7), track="voice",
                           regions={"segments": [{"start": 0.0, "end": round(x.size / 16000, 3), "score": score}]})


if os.environ.get("PROBE_FACE_TRACK") == "1":  # only for the servers of test_verdict_api.py
    @register
    class FaceTrackProbe(Detector):
        """Stands in for a face model on video (track "faces"): score = mean brightness of a few sampled
        frames; an all-black video has "no face". With test_loudness as the voice, the API's combination of
        a picture track and a soundtrack is tested end to end without trained models."""

        name = "test_face_track"
        kinds = ("video",)

        def predict(self, media, ctx):
            frames = sample_video(media.path, 1.0, 3)
            level = float(np.mean([f.mean() for _, f in frames])) / 255.0 if frames else 0.0
            if level < 0.02:
                return self.not_applicable(f"no face found in {len(frames)} sampled frames", track="faces")
            return self.result(level, band(level, 0.3, 0.7), track="faces")
