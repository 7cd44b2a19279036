"""Features of the face model: CLIP features of the face crops (training.face.data) in four variants,
cached per image under .cache/face_v2/<variant>/; the DeepFaceLive clips' serving extraction, cached per clip
under .cache/face_v2/clips/ (the frames the head trains on); the file statistics the shortcut check fits on.

Feature variants (all through server.features.face.crop_features, the serving feature function):
    clean     the crop as served
    aug       border smear (p 0.3) + web_augment (JPEG 50-95, resize, blur, noise), both classes
    sbi       real rows only: a self-blended fake of the crop (label 1), then web_augment
    degraded  0.5x resize + JPEG q60 (the robustness condition of the evaluation)
Every random draw is seeded by (seed, variant, file sha256), so a subset (smoke run, test) gets the same
numbers as the full run."""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from fakescope.server.detectors.face_manipulation import FaceManipulationDetector
from fakescope.server.encoders.clip import MIDDLE_LAYER
from fakescope.server.features.face import ENCODER_CROP, ENCODER_SIZE, FEATURE_DIM, MARGIN, crop_features, face_encoder
from fakescope.training.augment.image import border_smear, self_blend, web_augment
from fakescope.training.cache import cached, cached_arrays, key_of
from fakescope.training.config import cache_dir, repo_root, resolve_path
from fakescope.training.face.data import build_crops, clip_rows, degrade_web, yunet_path


def feature_spec(size: int = ENCODER_SIZE) -> str:
    """What a cached feature row is, at the encoder input `size` (face-2.1's 224 px features had no ":in"
    part: their caches keep their keys)."""
    inp = f":in{size}" if size != ENCODER_CROP else ""
    return f"clip_vit_b16_int8:emb+meantok+l{MIDDLE_LAYER}cls+meantok:crop{ENCODER_CROP}{inp}:m{MARGIN}:jpeg90:v2"


FEATURE_SPEC = feature_spec()


CHUNK = 128


def variant_image(variant: str, crop: np.ndarray, lm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The pixels a feature variant is computed from (training only; serving uses the clean crop)."""
    if variant == "clean":
        return crop
    if variant == "degraded":
        return degrade_web(crop)
    if variant == "aug":
        img = border_smear(crop, rng) if rng.random() < 0.3 else crop
        return web_augment(img, rng)
    if variant == "sbi":
        return web_augment(self_blend(crop, lm, rng), rng)
    raise ValueError(f"unknown variant {variant!r}")


def row_rng(seed: int, variant: str, sha: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha1(f"{seed}:{variant}:{sha}".encode()).digest()[:8], "big"))


def row_key(variant: str, seed: int, sha: str, spec: str = FEATURE_SPEC) -> str:
    """Cache key of one image's features in one variant (spec: what is cached, default the features)."""
    return key_of(spec, variant, seed if variant in ("aug", "sbi") else 0, sha)[:24]


def features(data: dict, variant: str, cache_root: Path, seed: int = 1, rows: np.ndarray | None = None,
             size: int = ENCODER_SIZE, log=print) -> np.ndarray:
    """(len(rows), FEATURE_DIM) features of `variant` for the given rows (default all), cached per image
    (<cache>/face_v2/<variant>/<key>.npy, key = feature spec at encoder input `size` + variant + seed +
    file sha256)."""
    spec = feature_spec(size)
    idx = np.arange(len(data["sha256"])) if rows is None else np.asarray(rows)
    out = np.zeros((len(idx), FEATURE_DIM), np.float32)
    done = 0
    for k, i in enumerate(idx):
        sha = str(data["sha256"][i])
        key = row_key(variant, seed, sha, spec)
        out[k] = cached(f"face_v2/{variant}", key, lambda i=i, sha=sha: crop_features(
            variant_image(variant, data["crops"][i], data["landmarks"][i], row_rng(seed, variant, sha)),
            face_encoder(size)),
            root=cache_root)
        done += 1
        if log and done % CHUNK == 0:
            log(f"  features {variant}: {done}/{len(idx)}", flush=True)
    return out


def subset_rows(data: dict, per_source: int, seed: int = 0) -> np.ndarray:
    """At most `per_source` rows of every source (a fixed hash order of file sha256): the rows the
    degraded condition is measured on (encoding every image twice more would cost ~10 min of CPU)."""
    keep = []
    for s in np.unique(data["source"]):
        rows = np.flatnonzero(data["source"] == s)
        order = sorted(rows, key=lambda i: hashlib.sha1(f"{seed}:{data['sha256'][i]}".encode()).hexdigest())
        keep += order[:per_source]
    return np.array(sorted(keep), dtype=int)


def load_images(cfg: dict, smoke: bool = False, log=print, size: int = ENCODER_SIZE) -> tuple[dict, dict]:
    """(crop data, features): "clean" of every row, "sbi" of every real row, "aug" and "degraded" of a
    fixed subset of at most N rows per source (config train.aug_per_source, eval.degraded_per_source;
    every extra variant is one more encoder call per image). Rows without a variant are zeros, marked
    False in "<variant>_rows". size: the encoder input (another than ENCODER_SIZE: a card comparison row)."""
    limit = cfg["smoke"]["limit"] if smoke else None
    data = build_crops(resolve_path(cfg["data"]["images"]), yunet_path(repo_root()), cache_dir(), limit)
    seed = cfg["train"]["seed"]
    feats = {"clean": features(data, "clean", cache_dir(), seed, size=size, log=log)}
    n = len(data["label"])
    plan = {"sbi": np.flatnonzero(data["label"] == 0),
            "degraded": subset_rows(data, cfg["eval"]["degraded_per_source"]),
            "aug": subset_rows(data, cfg["train"]["aug_per_source"])}  # loaded even when unused: an ablation
    for variant, rows in plan.items():
        arr = np.zeros_like(feats["clean"])
        mask = np.zeros(n, bool)
        if len(rows):
            arr[rows] = features(data, variant, cache_dir(), seed, rows=rows, size=size, log=log)
            mask[rows] = True
        feats[variant], feats[f"{variant}_rows"] = arr, mask
    return data, feats


# -- file statistics: what could give the label away without any manipulation (the shortcut check) --------
STATISTICS = ("log image width", "log image height", "face size (box side / image side)", "YuNet confidence")


def statistics(data: dict) -> tuple[list[str], np.ndarray]:
    """(names, rows x 4): the crop cache's statistics columns (data._crop_rows computes them with the box)."""
    return list(STATISTICS), np.asarray(data["meta"], np.float64)


def encoder_ms(data: dict, n: int = 12, size: int = ENCODER_SIZE) -> float:
    """Median ms of crop_features per face crop at encoder input `size` (this machine, now)."""
    enc = face_encoder(size)
    crop_features(data["crops"][0], enc)
    t = []
    for c in data["crops"][:n]:
        s = time.perf_counter()
        crop_features(c, enc)
        t.append(time.perf_counter() - s)
    return 1000 * float(np.median(t))


# -- the DeepFaceLive clips: the serving extraction (sampling, faces, crops, features), cached per clip ----
def extraction_detector(yunet: Path, encoder=None) -> FaceManipulationDetector:
    """A detector without a head: only the serving extraction (finder + crops + encoder) is used."""
    return FaceManipulationDetector(None, {}, {"yunet": yunet}, encoder=encoder)


def extract_clip(det: FaceManipulationDetector, path: Path, sha: str, settings: dict, cache_root: Path) -> dict:
    """det.extract_video for one clip, cached by (clip sha256, settings, feature spec at det's encoder size)."""
    key = key_of(feature_spec(det.encoder().size), sha, settings["every_seconds"], settings["max_frames"], settings["faces_per_frame"])

    def compute():
        ex = det.extract_video(path, settings["every_seconds"], settings["max_frames"], settings["faces_per_frame"])
        frame = [i for i, b in enumerate(ex["boxes"]) for _ in b]
        slot = [j for b in ex["boxes"] for j in range(len(b))]
        boxes = [bx for b in ex["boxes"] for bx in b]
        feats = [f for fs in ex["features"] for f in fs]
        return {"times": np.array(ex["times"], np.float64), "frame": np.array(frame, np.int32),
                "slot": np.array(slot, np.int32), "boxes": np.array(boxes, np.float64).reshape(-1, 4),
                "features": np.array(feats, np.float32).reshape(len(feats), -1)}

    return cached_arrays(Path(cache_root) / "face_v2" / "clips" / f"{key[:20]}.npz", compute)


def as_extraction(arr: dict) -> dict:
    """Cached flat arrays -> the per-frame structure FaceManipulationDetector.score_extracted takes."""
    n = len(arr["times"])
    boxes = [[] for _ in range(n)]
    feats = [[] for _ in range(n)]
    for f, b, x in zip(arr["frame"], arr["boxes"], arr["features"]):
        boxes[f].append(list(b))
        feats[f].append(x)
    return {"times": list(arr["times"]), "boxes": boxes,
            "features": [np.array(x, np.float32).reshape(len(x), -1) for x in feats]}


def all_clips(video_dir: Path, yunet: Path, settings: dict, cache_root: Path, encoder=None, log=print,
              limit: int | None = None) -> list[dict]:
    """Every clip's manifest row with its cached extraction under "ex" (limit: an evenly spaced subset)."""
    det = extraction_detector(yunet, encoder)
    rows = clip_rows(video_dir)
    if limit:
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    out = []
    for r in rows:
        arr = extract_clip(det, Path(video_dir) / r["path"], r["sha256"], settings, cache_root)
        out.append({**r, "y": int(r["label"] == "fake"), "ex": arr})
    if log:
        log(f"  clips: {len(out)} extracted ({json.dumps(settings)})", flush=True)
    return out


def training_frames(clips: list[dict], groups: set | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group) of the best face (slot 0) of every sampled frame of the clips whose group
    is in `groups` (all when None). A second face in a frame (an overlay photo) is not used for training:
    in a swapped clip only the main face is the swap."""
    xs, ys, gs = [], [], []
    for c in clips:
        if groups is not None and c["group"] not in groups:
            continue
        m = c["ex"]["slot"] == 0
        xs.append(c["ex"]["features"][m])
        ys += [c["y"]] * int(m.sum())
        gs += [c["group"]] * int(m.sum())
    if not xs:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.int32), np.zeros(0, str)
    return np.concatenate(xs), np.array(ys, np.int32), np.array(gs)


def load_clips(cfg: dict, which: str, smoke: bool = False, log=print, size: int = ENCODER_SIZE) -> list[dict]:
    """The clips' cached serving extraction; which = "train_frames" (denser sampling) or "serving"."""
    settings = cfg["video"]["train_frames"] if which == "train_frames" else serving_video(cfg)
    return all_clips(resolve_path(cfg["data"]["video"]), yunet_path(repo_root()), settings, cache_dir(),
                     encoder=face_encoder(size), log=log, limit=cfg["smoke"].get("clips", 4) if smoke else None)


def serving_video(cfg: dict) -> dict:
    v = cfg["video"]
    return {"every_seconds": v["every_seconds"], "max_frames": v["max_frames"], "faces_per_frame": v["faces_per_frame"]}
