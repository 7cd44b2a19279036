"""One path from bytes to features: the training cache and the serving detector compute the same
embedding for the same file; the variants are deterministic; bad input is refused clearly."""
from __future__ import annotations

import numpy as np
import pytest

from fakescope.server.detectors.ai_image import EMBEDDING_MEMO, AIImageDetector
from fakescope.server.detectors.base import Context
from fakescope.server.encoders.clip import shared_encoder
from fakescope.server.features.image import MIN_SIDE, clip_whole_image
from fakescope.server.media.types import Media
from fakescope.training.aigen.data import GENERAL_SOURCES, load_table, variant_image
from fakescope.training.aigen.features import features, file_features

FILES = ["real/metadata_extractor", "fake/flux", "fake/kurlyto_aiornot"]


@pytest.fixture(scope="module")
def sample(shared_dir):
    images = shared_dir / "datasets" / "images"
    t = load_table(images, GENERAL_SOURCES)
    pick = [int(np.flatnonzero(np.char.startswith(t["path"], f))[0]) for f in FILES]
    return images, t, pick


def _head(dim=512, seed=0):
    rng = np.random.default_rng(seed)
    return {"mu": np.zeros(dim, np.float32), "sigma": np.ones(dim, np.float32),
            "w": rng.normal(size=dim).astype(np.float32), "b": np.zeros(1, np.float32)}


def test_training_features_equal_serving_features(sample, tmp_path):
    images, t, pick = sample
    det = AIImageDetector(_head(), {"version": "t"})
    for i in pick:
        path = images / t["path"][i]
        media = Media(kind="image", path=path, sha256="0", size_bytes=path.stat().st_size)
        out = det.predict(media, Context())
        assert out["applicable"] and 0.0 <= out["score"] <= 1.0
        served = media._decoded[EMBEDDING_MEMO]
        trained = file_features(path, "clean", t["sha256"][i])
        assert served.shape == (512,) and np.array_equal(served, trained)
        assert abs(float(np.linalg.norm(served)) - 1.0) < 1e-4


def test_cached_training_features_are_the_file_features(sample, tmp_path, monkeypatch):
    images, t, pick = sample
    monkeypatch.setenv("FAKESCOPE_CACHE", str(tmp_path))
    sub = {k: v[pick] for k, v in t.items()}
    cached = features(sub, images, "clean", log=lambda m: None)
    again = features(sub, images, "clean", log=lambda m: None)  # second call reads the cache
    assert np.array_equal(cached, again)
    for row, i in enumerate(pick):
        assert np.array_equal(cached[row], file_features(images / t["path"][i], "clean", t["sha256"][i]))


def test_variants_are_deterministic_per_file_and_differ_between_files():
    rgb = (np.random.default_rng(3).random((200, 300, 3)) * 255).astype(np.uint8)
    a = variant_image(rgb, "aug0", "ab" * 32)
    assert np.array_equal(a, variant_image(rgb, "aug0", "ab" * 32))
    others = [variant_image(rgb, "aug0", f"{k:02x}" * 32) for k in range(6)]
    assert any(o.shape != a.shape or not np.array_equal(o, a) for o in others)
    deg = variant_image(rgb, "web60half", "0" * 64)
    assert deg.shape == (100, 150, 3)
    assert np.array_equal(variant_image(rgb, "clean", "0" * 64), rgb)
    with pytest.raises(ValueError):
        variant_image(rgb, "sharpen", "0" * 64)


def test_feature_function_refuses_bad_input():
    enc = shared_encoder()
    with pytest.raises(ValueError, match="smaller than"):
        clip_whole_image(np.zeros((MIN_SIDE - 1, 300, 3), np.uint8), enc)
    with pytest.raises(ValueError, match="uint8 RGB"):
        clip_whole_image(np.zeros((100, 100), np.uint8), enc)
    with pytest.raises(ValueError, match="uint8 RGB"):
        clip_whole_image(np.zeros((100, 100, 3), np.float32), enc)
