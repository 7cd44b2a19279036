"""Self-blended images and web augmentation."""
from __future__ import annotations

import numpy as np

from fakescope.training.augment.image import border_smear, face_mask, self_blend, web_augment

LM = np.array([[44, 50], [84, 50], [64, 70], [48, 92], [80, 92]], np.float32)


def _face(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(40, 220, (128, 128, 3), np.uint8)


def test_self_blend_changes_face_region_only():
    img = _face()
    rng = np.random.default_rng(3)
    out = self_blend(img, LM, rng)
    diff = np.abs(out.astype(int) - img.astype(int)).sum(axis=2)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert diff[60:80, 54:74].mean() > 5          # inside the face: blended with the altered copy
    assert diff[:8, :8].max() == 0 and diff[-8:, -8:].max() == 0  # corners untouched


def test_face_mask_is_soft_and_centred():
    m = face_mask((128, 128, 3), LM, np.random.default_rng(0))
    assert m.max() <= 1.0 and m[70, 64] > 0.9 and m[2, 2] == 0
    assert ((m > 0.05) & (m < 0.95)).any()  # soft seam, not a hard cut


def test_web_augment_and_border_smear_keep_shape():
    img = _face(1)
    rng = np.random.default_rng(0)
    outs = [web_augment(img, rng) for _ in range(20)]
    assert all(o.shape == img.shape and o.dtype == np.uint8 for o in outs)
    assert any(not np.array_equal(o, img) for o in outs)
    s = border_smear(img, rng)
    assert s.shape == img.shape
