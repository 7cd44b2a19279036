"""Features of the AI-image model: the CLIP ViT-B/16 embedding of every image variant
(server.features.image.clip_whole_image, the function the detector calls on the decoded upload), cached
under .cache/aigen/ per source and variant."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fakescope.server.encoders.artifacts import ARTIFACTS
from fakescope.server.encoders.clip import ARTIFACT as CLIP_ARTIFACT, SIZE as CLIP_SIZE, shared_encoder
from fakescope.server.features.image import CLIP_INPUT, clip_whole_image
from fakescope.server.media.decode import load_image
from fakescope.training.aigen.data import load_table, variant_image
from fakescope.training.aigen.heads import head_params
from fakescope.training.cache import cached, key_of
from fakescope.training.config import resolve_path


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
