"""Features of the AI-image model: the CLIP ViT-B/16 embedding of every image variant
(server.features.image.clip_whole_image, the function the detector calls on the decoded upload), cached
under .cache/aigen/ per source and variant; and the file statistics that say nothing about how a picture was
made (size, aspect, bytes per pixel, JPEG quality, colourfulness), which the framework's shortcut check
(training/evaluation/shortcuts.py) fits a head on alone: where they predict the label, a fold's AUC may be
measuring the data set (digicam-era JPEGs vs modern posters) rather than generation traces."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from fakescope.server.encoders.artifacts import ARTIFACTS
from fakescope.server.encoders.clip import ARTIFACT as CLIP_ARTIFACT
from fakescope.server.encoders.clip import SIZE as CLIP_SIZE
from fakescope.server.encoders.clip import shared_encoder
from fakescope.server.features.image import CLIP_INPUT, clip_whole_image
from fakescope.server.media.decode import load_image
from fakescope.training.aigen.data import load_table, variant_image
from fakescope.training.aigen.heads import head_params
from fakescope.training.cache import cached, key_of
from fakescope.training.config import resolve_path
from PIL import Image

# what a cached feature depends on: this spec, the pinned encoder file and (in the key) the variant and file
FEATURE_SPEC = ("whole_image/v1", ARTIFACTS[CLIP_ARTIFACT].members)


def feature_spec(size: int = CLIP_INPUT) -> tuple:
    """FEATURE_SPEC at encoder input `size` (another than CLIP_INPUT: a card comparison row only; CLIP's own
    224 px keeps the key it always had)."""
    return FEATURE_SPEC if size == CLIP_SIZE else FEATURE_SPEC + (f"input{size}",)


def file_features(path: Path, variant: str = "clean", sha256: str = "0" * 12, encoder=None) -> np.ndarray:
    """One file -> its 512-d feature for `variant` (decode exactly as the server does, then the shared
    feature function)."""
    return clip_whole_image(variant_image(load_image(path), variant, sha256), encoder)


def features(table: dict, images_dir: Path, variant: str, log=print, size: int = CLIP_INPUT) -> np.ndarray:
    """(N, 512) features of every row for `variant`, cached per source (a killed run keeps finished
    sources). The cache key covers the feature spec (with the encoder input `size`), the variant and every
    file's sha256."""
    out = np.zeros((len(table["path"]), 512), np.float32)
    for src in dict.fromkeys(table["source"]):
        idx = np.flatnonzero(table["source"] == src)
        key = key_of(feature_spec(size), variant, list(table["sha256"][idx]))

        def compute(idx=idx, src=src):
            log(f"  CLIP features: {src} ({len(idx)} images, {variant})")
            encoder = shared_encoder(size=size)
            return np.stack([file_features(Path(images_dir) / table["path"][i], variant, table["sha256"][i], encoder)
                             for i in idx]).astype(np.float32)

        out[idx] = cached("aigen", f"{src}-{variant}-{key}", compute)
    return out


def load(cfg: dict, smoke: bool = False, variants=None, log=print, size: int = CLIP_INPUT) -> tuple[dict, dict, Path]:
    """(table, {variant: features}, images_dir) for the configured sources (size: encoder input, another
    than CLIP_INPUT only for a card comparison row)."""
    images = resolve_path(cfg["data"]["images"])
    limit = cfg["smoke"]["limit_per_source"] if smoke else None
    table = load_table(images, tuple(cfg["sources"]) + tuple(cfg.get("face_sources", [])), limit)
    variants = variants or head_params(cfg, smoke)["train_variants"]
    return table, {v: features(table, images, v, log, size) for v in dict.fromkeys(variants)}, images


STAT_NAMES = ("log_pixels", "aspect", "bytes_per_pixel", "jpeg_quality", "colourfulness")
# IJG standard luminance quantisation table (JPEG Annex K), in natural (row-major) order
_IJG_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.float64)


def _ijg_table(q: int) -> np.ndarray:
    scale = 5000 / q if q < 50 else 200 - 2 * q
    return np.clip(np.floor((_IJG_LUMA * scale + 50) / 100), 1, 255)


def jpeg_quality(path: str | Path) -> float:
    """Estimated IJG quality 1-100 of a JPEG file's luminance table; 100.0 for other formats."""
    with Image.open(path) as im:
        tables = getattr(im, "quantization", None) if im.format == "JPEG" else None
    if not tables:
        return 100.0
    t = np.asarray(tables[min(tables)], np.float64)
    if t.size != 64:
        return 100.0
    # Pillow returns the table in natural order (it un-zigzags); compare sorted values so either order works
    errs = [np.abs(np.sort(_ijg_table(q)) - np.sort(t)).sum() for q in range(1, 101)]
    return float(1 + int(np.argmin(errs)))


def colourfulness(rgb: np.ndarray) -> float:
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def file_statistics(path: str | Path) -> np.ndarray:
    """The STAT_NAMES vector of one file."""
    rgb = load_image(path)
    h, w = rgb.shape[:2]
    return np.array([np.log(h * w), max(h, w) / min(h, w), Path(path).stat().st_size / (h * w),
                     jpeg_quality(path), colourfulness(rgb)], np.float64)


def statistics(table: dict, images_dir: Path) -> np.ndarray:
    """(N, 5) statistics of every row (STAT_NAMES, per file: what the server receives), cached by the files'
    sha256."""
    key = key_of("aigen-stats-v1", list(table["sha256"]))
    return cached("aigen", f"stats-{key}", lambda: np.stack(
        [file_statistics(Path(images_dir) / p) for p in table["path"]]))
