"""Face-manipulation detector for images and videos: YuNet faces -> fixed-margin crops -> face CNN.

Image: every face gets a box and a calibrated score; the image score is the highest face score.
Video: ~1 sampled frame per second (capped), faces tracked across frames, the video score is the highest
level a run of consecutive frames of one face track reaches (server.features.video), so one confident
frame on real footage does not make a fake verdict.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from .. import calibration
from ..features import video as vid
from ..features.face import FaceFinder, crop_face, standardize, to_model_input
from ..media.decode import DecodeError
from ..verdict import band
from .base import Context, Detector, register

DEFAULT_THRESHOLDS = {"lower": 0.3, "upper": 0.7}


@register
class FaceManipulationDetector(Detector):
    name = "face_manipulation"
    kinds = ("image", "video")
    model_key = "face_manipulation"
    extra_models = ("yunet",)

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._finder = None
        self._finder_lock = threading.Lock()
        self._model_lock = threading.Lock()

    # -- shared pieces -------------------------------------------------------------------------------
    def finder(self) -> FaceFinder:
        with self._finder_lock:
            if self._finder is None:
                path = self.extra.get("yunet")
                if path is None:
                    raise RuntimeError("the yunet face finder model is not loaded")
                self._finder = FaceFinder(path)
            return self._finder

    def score_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        """Calibrated scores for raw crops (one batched model call)."""
        if not crops:
            return np.zeros(0)
        x = to_model_input([standardize(c) for c in crops])
        with self._model_lock:  # Keras models are not guaranteed thread-safe across worker threads
            raw = np.asarray(self.model.predict_on_batch(x)).reshape(-1)
        return np.asarray(calibration.apply(raw, self.entry.get("calibration")), dtype=np.float64)

    def _band(self, score: float) -> str:
        th = self.entry.get("thresholds") or DEFAULT_THRESHOLDS
        return band(score, th["lower"], th["upper"])

    def warmup(self) -> None:
        self.score_crops([np.zeros((128, 128, 3), np.uint8)])

    def predict(self, media, ctx: Context) -> dict:
        if media.kind == "image":
            return self.predict_image(media, ctx)
        if media.kind == "video":
            return self.predict_video(media, ctx)
        return self.not_applicable(f"{media.kind} is not an image or video")

    # -- image -----------------------------------------------------------------------------------------
    def predict_image(self, media, ctx: Context) -> dict:
        t0 = time.perf_counter()
        try:
            rgb = media.image()
        except DecodeError as exc:
            return self.not_applicable(f"image could not be decoded: {exc}")
        ctx.progress("faces", 0.2)
        faces = self.finder().find(rgb)
        t1 = time.perf_counter()
        if not faces:
            return self.not_applicable("no face found", timings={"detect": round(t1 - t0, 3)})
        scores = self.score_crops([crop_face(rgb, f.box) for f in faces])
        ctx.progress("faces", 1.0)
        regions = {"faces": [{**f.as_dict(), "score": round(float(s), 4)} for f, s in zip(faces, scores)]}
        score = float(scores.max())
        return self.result(score, self._band(score), regions=regions,
                           timings={"detect": round(t1 - t0, 3), "score": round(time.perf_counter() - t1, 3)})

    # -- video -----------------------------------------------------------------------------------------
    def analyse_video(self, path, every_seconds: float = 1.0, max_frames: int = 60, progress=None) -> dict:
        """Sample (keyframes when dense enough), detect, score in one batch, track and aggregate. Returns timeline, tracks and the score
        (None when no face was found in any sampled frame)."""
        finder = self.finder()
        times, frame_boxes, crops, owner = [], [], [], []
        frames = vid.sample_video(path, every_seconds, max_frames)
        for i, (t, frame) in enumerate(frames):
            faces = finder.find(frame, max_faces=4)
            times.append(t)
            frame_boxes.append([list(f.box) for f in faces])
            for f in faces:
                crops.append(crop_face(frame, f.box))
                owner.append(i)
            if progress:
                progress("faces", 0.9 * (i + 1) / len(frames))
        scores = self.score_crops(crops)
        per_frame = [[] for _ in times]
        for o, s in zip(owner, scores):
            per_frame[o].append(float(s))
        timeline = [{"t": round(t, 3), "score": round(max(sc), 4) if sc else None,
                     "faces": [{"box": [round(v, 1) for v in b], "score": round(s, 4)} for b, s in zip(bx, sc)]}
                    for t, bx, sc in zip(times, frame_boxes, per_frame)]
        tracks = vid.build_tracks(frame_boxes, per_frame)
        out = {"timeline": timeline, "frames_sampled": len(times), "score": None, "tracks": []}
        if tracks:
            score, tid = vid.video_score({k: v.scores for k, v in tracks.items()})
            out["score"] = score
            out["tracks"] = [{"track": k, "frames": len(v.scores), "first_t": times[v.frames[0]],
                              "last_t": times[v.frames[-1]], "run_score": round(vid.run_score(v.scores), 4),
                              "deciding": k == tid} for k, v in tracks.items()]
        return out

    def predict_video(self, media, ctx: Context) -> dict:
        t0 = time.perf_counter()
        s = ctx.settings or {}
        try:
            res = self.analyse_video(media.path, float(s.get("every_seconds", 1.0)),
                                     int(s.get("max_frames", 60)), progress=ctx.progress)
        except DecodeError as exc:
            return self.not_applicable(f"video could not be decoded: {exc}")
        timings = {"total": round(time.perf_counter() - t0, 3)}
        regions = {"timeline": res["timeline"], "faces": res["tracks"]}
        if res["score"] is None:
            return self.not_applicable(f"no face found in {res['frames_sampled']} sampled frames",
                                       regions=regions, timings=timings)
        ctx.progress("faces", 1.0)
        return self.result(res["score"], self._band(res["score"]), regions=regions, timings=timings)
