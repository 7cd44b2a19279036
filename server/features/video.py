"""Video: sampled frames -> faces -> tracks -> per-track and per-video scores.

The aggregation functions are pure (lists of floats in, floats out) and unit-tested. Both rules keep
false positives low on real footage: one confident frame is not enough. "run": the highest level that a
RUN of `min_run` consecutive sampled frames of one face track all reach; "mean": the track's mean score.
The video score is the highest track score over the tracks long enough to count. `identity_drift` (the
median cosine distance between consecutive face embeddings of a track) is the cheap temporal cue that
real-time swaps leave (the rendered identity flickers between frames).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_RUN = 3          # consecutive sampled frames (~3 s at 1 frame/s) that must agree
TRACK_IOU = 0.3      # a face in the next sampled frame continues a track when boxes overlap this much


def iou(a, b) -> float:
    """Intersection over union of two [x, y, w, h] boxes."""
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass
class Track:
    id: int
    frames: list[int] = field(default_factory=list)   # sampled-frame indices
    slots: list[int] = field(default_factory=list)    # index of the face inside its frame's list
    boxes: list = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def assign_tracks(frame_boxes: list[list], max_gap: int = 2, min_iou: float = TRACK_IOU) -> list[list[int]]:
    """Greedy IoU tracking. frame_boxes[i] = boxes found in sampled frame i. Returns, per frame, the track
    id of each box. A track that was not seen for more than `max_gap` sampled frames is closed."""
    last: dict[int, tuple[int, list]] = {}   # track id -> (frame index, box)
    out, next_id = [], 0
    for i, boxes in enumerate(frame_boxes):
        ids = []
        taken = set()
        for box in boxes:
            best, best_iou = None, min_iou
            for tid, (fi, tb) in last.items():
                if tid in taken or i - fi > max_gap:
                    continue
                o = iou(box, tb)
                if o >= best_iou:
                    best, best_iou = tid, o
            if best is None:
                best, next_id = next_id, next_id + 1
            taken.add(best)
            last[best] = (i, box)
            ids.append(best)
        out.append(ids)
    return out


def run_score(scores, min_run: int = MIN_RUN) -> float:
    """Highest level reached by `min_run` consecutive scores (max over windows of the window minimum).
    A track shorter than min_run gets its minimum: a short track cannot carry a confident verdict alone."""
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        raise ValueError("no scores")
    k = min(min_run, s.size)
    windows = np.lib.stride_tricks.sliding_window_view(s, k)
    return float(windows.min(axis=1).max())


def track_score(scores, rule: str = "run", min_run: int = MIN_RUN) -> float:
    """One track's score by the named rule ("run" or "mean")."""
    if rule == "run":
        return run_score(scores, min_run)
    if rule == "mean":
        if len(scores) == 0:
            raise ValueError("no scores")
        return float(np.mean(scores))
    raise ValueError(f"unknown video rule {rule!r}")


def video_score(track_scores: dict[int, list[float]], min_run: int = MIN_RUN, rule: str = "run") -> tuple[float, int]:
    """(score, deciding track id): the highest track_score over tracks. Tracks shorter than the longest
    track's length and min_run (fleeting detections, often false faces) only count when nothing longer exists."""
    if not track_scores:
        raise ValueError("no tracks")
    longest = max(len(v) for v in track_scores.values())
    need = min(min_run, longest)
    eligible = {t: v for t, v in track_scores.items() if len(v) >= need}
    tid = max(eligible, key=lambda t: track_score(eligible[t], rule, min_run))
    return track_score(eligible[tid], rule, min_run), tid


def identity_drift(embeddings) -> float:
    """Median cosine distance between consecutive embeddings of one track (0 for fewer than 2 frames)."""
    e = np.asarray(embeddings, np.float64)
    if len(e) < 2:
        return 0.0
    e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    return float(np.median(1.0 - np.sum(e[1:] * e[:-1], axis=1)))


def reference_score(frame_scores: list[float]) -> float:
    """The reference video rule this project started from: mean over frames (every 10th frame)."""
    return float(np.mean(frame_scores))


def build_tracks(frame_boxes: list[list], frame_scores: list[list[float]]) -> dict[int, Track]:
    tracks: dict[int, Track] = {}
    for i, (ids, boxes, scores) in enumerate(zip(assign_tracks(frame_boxes), frame_boxes, frame_scores)):
        for j, (tid, box, sc) in enumerate(zip(ids, boxes, scores)):
            tr = tracks.setdefault(tid, Track(tid))
            tr.frames.append(i)
            tr.slots.append(j)
            tr.boxes.append(box)
            tr.scores.append(float(sc))
    return tracks


# -- frame sampling --------------------------------------------------------------------------------------
def keyframes(path, max_frames: int, timeout: float = 120.0) -> list[tuple[float, np.ndarray]]:
    """Decode only the keyframes (ffmpeg -skip_frame nokey): no inter-frame decoding at all, so a
    web video with a 1-2 s GOP is sampled at that rate for a fraction of the full decode cost."""
    import re
    import subprocess

    from ..media.decode import DecodeError, ffmpeg_exe, probe_video

    info = probe_video(path)
    w, h = info["width"], info["height"]
    if w * h > 1920 * 1080:
        raise DecodeError("keyframe path is limited to 1080p (memory); use sampled decoding")
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "info", "-skip_frame", "nokey", "-i", str(path), "-an",
           "-vf", "showinfo", "-fps_mode", "passthrough", "-frames:v", str(max_frames * 2),
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise DecodeError("keyframe decoding timed out") from exc
    if proc.returncode != 0:
        raise DecodeError("keyframes could not be decoded")
    times = [float(t) for t in re.findall(rb"pts_time:\s*([0-9.]+)", proc.stderr)]
    n = min(len(times), len(proc.stdout) // (w * h * 3))
    frames = np.frombuffer(proc.stdout[: n * w * h * 3], np.uint8).reshape(n, h, w, 3)
    pick = np.unique(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int)) if n else []
    return [(times[i], frames[i]) for i in pick]


def sample_video(path, every_seconds: float = 1.0, max_frames: int = 60) -> list[tuple[float, np.ndarray]]:
    """About one frame per `every_seconds` (at most max_frames). Uses keyframes when they are at least
    that dense (cheap), otherwise decodes the sampled frames with server.media.decode.sample_frames."""
    from ..media.decode import DecodeError, probe_video, sample_frames

    duration = probe_video(path)["duration"]
    want = min(max_frames, max(1, int(duration / every_seconds) + 1)) if duration else max_frames
    try:
        keys = keyframes(path, max_frames)
    except DecodeError:
        keys = []
    # keyframes must be dense enough AND cover the clip (a capped keyframe list may stop early)
    if keys and len(keys) >= 0.8 * want and (not duration or keys[-1][0] >= duration - 2.5 * every_seconds):
        return keys
    return list(sample_frames(path, every_seconds, max_frames))
