"""Face-manipulation detector for images and videos: YuNet faces -> fixed-margin crops at the CLIP input
size -> frozen CLIP ViT-B/16 features (server.features.face.crop_features) -> a small head evaluated with
numpy (manifest format "npz": standardisation + logistic regression).

Image: every face gets a box and a calibrated score; the image score is the highest face score.
Video: ~1 sampled frame per second (capped), faces tracked across frames; per track the frame scores are
aggregated by the manifest's rule (server.features.video.track_score) and the identity drift between
consecutive frames of the track is reported; the video score is the highest track score of the tracks
long enough to count, so one confident frame on real footage does not make a fake verdict.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from .. import calibration, heads
from ..features import video as vid
from ..features.face import FEATURE_DIM, FaceFinder, crop_features, encoder_crop, face_encoder
from ..encoders.clip import EMBED_DIM
from ..media.decode import DecodeError
from .base import Context, Detector, register

DEFAULT_VIDEO = {"every_seconds": 1.0, "max_frames": 48, "rule": "mean", "faces_per_frame": 2}


class FaceHead:
    """The npz head: z = (x - mean) / scale; p = sigmoid(z @ w + b). Pure numpy, thread-safe."""

    def __init__(self, arrays: dict):
        try:
            self.mean = np.asarray(arrays["mean"], np.float64)
            self.scale = np.asarray(arrays["scale"], np.float64)
            self.w = np.asarray(arrays["w"], np.float64).reshape(-1)
            self.b = float(np.asarray(arrays["b"]).reshape(-1)[0])
        except KeyError as exc:
            raise ValueError(f"face head lacks array {exc}") from exc
        if not (self.mean.shape == self.scale.shape == self.w.shape == (FEATURE_DIM,)):
            raise ValueError(f"face head expects {FEATURE_DIM} features, got {self.w.shape}")

    def logit(self, feats: np.ndarray) -> np.ndarray:
        x = np.asarray(feats, np.float64).reshape(-1, FEATURE_DIM)
        return heads.standardised_logit(x, vars(self), dtype=np.float64)

    def probability(self, feats: np.ndarray) -> np.ndarray:
        return heads.sigmoid(self.logit(feats))


@register
class FaceManipulationDetector(Detector):
    name = "face_manipulation"
    kinds = ("image", "video")
    model_key = "face_manipulation"
    extra_models = ("yunet",)
    optional_models = ("human_face",)

    def __init__(self, *a, encoder=None, **kw):
        super().__init__(*a, **kw)
        self.head = FaceHead(self.model) if isinstance(self.model, dict) else None
        # The human-face check (models/cards/human_face.md): a head on the same crop features, so YuNet's
        # animals, toys and statues get no face box and no face score. Its file carries its own threshold.
        human = self.extra.get("human_face")
        self.human = (FaceHead(human), float(np.asarray(human["threshold"]).reshape(-1)[0])) if human else None
        self._encoder = encoder
        self._finder = None
        self._lock = threading.Lock()

    # -- shared pieces -------------------------------------------------------------------------------
    def finder(self) -> FaceFinder:
        with self._lock:
            if self._finder is None:
                path = self.extra.get("yunet")
                if path is None:
                    raise RuntimeError("the yunet face finder model is not loaded")
                self._finder = FaceFinder(path)
            return self._finder

    def encoder(self):
        if self._encoder is None:
            self._encoder = face_encoder()
        return self._encoder

    def features(self, crops: list[np.ndarray]) -> np.ndarray:
        """(N, FEATURE_DIM): one encoder call per crop (the int8 graph is batch-dependent)."""
        enc = self.encoder()
        return np.stack([crop_features(c, enc) for c in crops]) if crops else np.zeros((0, FEATURE_DIM), np.float32)

    def score_features(self, feats: np.ndarray) -> np.ndarray:
        """Calibrated scores of feature rows."""
        if self.head is None:
            raise RuntimeError("face_manipulation model is not an npz head")
        if len(feats) == 0:
            return np.zeros(0)
        raw = self.head.probability(feats)
        return np.asarray(calibration.apply(raw, self.entry.get("calibration")), dtype=np.float64)

    def score_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        return self.score_features(self.features(crops))

    def human_faces(self, feats: np.ndarray) -> np.ndarray:
        """Boolean mask of the feature rows that are human faces (all True without the check)."""
        if self.human is None or len(feats) == 0:
            return np.ones(len(feats), dtype=bool)
        head, threshold = self.human
        return head.probability(feats) >= threshold

    def video_settings(self, overrides: dict | None = None) -> dict:
        s = {**DEFAULT_VIDEO, **((self.entry.get("input") or {}).get("video") or {})}
        for k in ("every_seconds", "max_frames"):
            if overrides and overrides.get(k) is not None:
                s[k] = type(DEFAULT_VIDEO[k])(overrides[k])
        return s

    def warmup(self) -> None:
        self.score_crops([np.zeros((64, 64, 3), np.uint8)])

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
        faces = self.finder().find(rgb, max_faces=4)
        t1 = time.perf_counter()
        if not faces:
            return self.not_applicable("no face found", timings={"detect": round(t1 - t0, 3)}, content="face_picture")
        feats = self.features([encoder_crop(rgb, f.box) for f in faces])
        human = self.human_faces(feats)
        if not human.any():
            return self.not_applicable(f"no human face found ({len(faces)} face-like region"
                                       f"{'s' if len(faces) > 1 else ''} judged not human)",
                                       timings={"detect": round(t1 - t0, 3)}, content="face_picture")
        faces, scores = [f for f, h in zip(faces, human) if h], self.score_features(feats[human])
        ctx.progress("faces", 1.0)
        regions = {"faces": [{**f.as_dict(), "score": round(float(s), 4)} for f, s in zip(faces, scores)]}
        score = float(scores.max())
        # share of the picture the largest face covers: content routing (verdict.face_speaks_for_picture)
        share = max(f.box[2] * f.box[3] for f in faces) / float(rgb.shape[0] * rgb.shape[1])
        return self.result(score, self.band_for(score, "face_picture"), regions=regions, content="face_picture",
                           face_share=round(min(1.0, share), 4),
                           timings={"detect": round(t1 - t0, 3), "score": round(time.perf_counter() - t1, 3)})

    # -- video -----------------------------------------------------------------------------------------
    def extract_video(self, path, every_seconds: float, max_frames: int, faces_per_frame: int = 2,
                      progress=None) -> dict:
        """Sample frames (decoding only those), find faces, crop and encode them. Returns times, per-frame
        boxes and per-frame feature rows; scoring is separate (score_extracted) so evaluation can score
        one extraction with several heads."""
        finder = self.finder()
        times, boxes, feats = [], [], []
        frames = vid.sample_video(path, every_seconds, max_frames)
        for i, (t, frame) in enumerate(frames):
            faces = finder.find(frame, max_faces=faces_per_frame)
            rows = self.features([encoder_crop(frame, f.box) for f in faces])
            human = self.human_faces(rows)
            times.append(float(t))
            boxes.append([list(f.box) for f, h in zip(faces, human) if h])
            feats.append(rows[human])
            if progress:
                progress("faces", 0.95 * (i + 1) / len(frames))
        return {"times": times, "boxes": boxes, "features": feats}

    def score_extracted(self, ex: dict, rule: str = "mean", score_fn=None) -> dict:
        """Timeline, tracks (with identity drift) and the video score (None when no face was found)."""
        score_fn = score_fn or self.score_features
        per_frame = [[float(s) for s in score_fn(f)] if len(f) else [] for f in ex["features"]]
        times = ex["times"]
        timeline = [{"t": round(t, 3), "score": round(max(sc), 4) if sc else None,
                     "faces": [{"box": [round(v, 1) for v in b], "score": round(s, 4)} for b, s in zip(bx, sc)]}
                    for t, bx, sc in zip(times, ex["boxes"], per_frame)]
        tracks = vid.build_tracks(ex["boxes"], per_frame)
        out = {"timeline": timeline, "frames_sampled": len(times), "score": None, "tracks": []}
        if not tracks:
            return out
        # identity drift is measured on the CLIP embedding part of each feature row (the tokens follow it)
        embeds = {k: [ex["features"][fi][j][:EMBED_DIM] for fi, j in zip(v.frames, v.slots)] for k, v in tracks.items()}
        score, tid = vid.video_score({k: v.scores for k, v in tracks.items()}, rule=rule)
        out["score"] = score
        out["tracks"] = [{"track": k, "frames": len(v.scores), "first_t": times[v.frames[0]],
                          "last_t": times[v.frames[-1]], "track_score": round(vid.track_score(v.scores, rule), 4),
                          "identity_drift": round(vid.identity_drift(embeds[k]), 4), "deciding": k == tid}
                         for k, v in tracks.items()]
        return out

    def analyse_video(self, path, every_seconds: float | None = None, max_frames: int | None = None,
                      progress=None) -> dict:
        s = self.video_settings({"every_seconds": every_seconds, "max_frames": max_frames})
        ex = self.extract_video(path, s["every_seconds"], s["max_frames"], s["faces_per_frame"], progress)
        return self.score_extracted(ex, s["rule"])

    def predict_video(self, media, ctx: Context) -> dict:
        t0 = time.perf_counter()
        s = ctx.settings or {}
        try:
            res = self.analyse_video(media.path, s.get("every_seconds"), s.get("max_frames"), progress=ctx.progress)
        except DecodeError as exc:
            return self.not_applicable(f"video could not be decoded: {exc}")
        timings = {"total": round(time.perf_counter() - t0, 3)}
        regions = {"timeline": res["timeline"], "faces": res["tracks"]}
        if res["score"] is None:
            return self.not_applicable(f"no face found in {res['frames_sampled']} sampled frames",
                                       regions=regions, timings=timings, content="face_video")
        ctx.progress("faces", 1.0)
        return self.result(res["score"], self.band_for(res["score"], "face_video"), regions=regions, timings=timings,
                           content="face_video")

