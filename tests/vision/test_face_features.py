"""Face finding, fixed-margin cropping, and one preprocessing path for training and serving."""
from __future__ import annotations

import numpy as np
import pytest

from fakescope.server.features import face as F
from fakescope.server.features.image import standardize_image
from fakescope.server.media.decode import load_image


def test_finds_one_face_with_box_inside_image(face_jpg, yunet):
    rgb = load_image(face_jpg)
    faces = F.FaceFinder(yunet).find(rgb)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    H, W = rgb.shape[:2]
    assert faces[0].score > 0.8
    assert 0.2 * W < w < W and -0.1 * H < y < H and x + w / 2 == pytest.approx(W / 2, abs=0.2 * W)
    # landmarks: eyes above the mouth corners
    lm = faces[0].landmarks
    assert lm[0, 1] < lm[3, 1] and lm[1, 1] < lm[4, 1]


def test_no_face_in_flat_image(yunet):
    assert F.FaceFinder(yunet).find(np.full((200, 300, 3), 128, np.uint8)) == []


def test_crop_is_square_fixed_margin_and_pads_at_border():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[:, :100] = 255
    crop, lm = F.crop_face(rgb, (0, 0, 50, 50), landmarks=np.array([[25, 25]] * 5, np.float32))
    assert crop.shape == (F.CROP_SIZE, F.CROP_SIZE, 3)
    # window = 65 px centred on (25, 25): the landmark maps to the crop centre
    assert lm[0] == pytest.approx([F.CROP_SIZE / 2, F.CROP_SIZE / 2], abs=1.5)
    assert F.crop_window((10, 20, 40, 30)) == (4, 9, 52)


def test_standardize_resizes_and_reencodes_identically():
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 255, (F.CROP_SIZE, F.CROP_SIZE, 3), np.uint8)
    a, b = F.standardize(crop), F.standardize(crop.copy())
    assert a.shape == (F.INPUT_SIZE, F.INPUT_SIZE, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, F.standardize(F.jpeg_roundtrip(crop, 60)))  # re-encoding is real


def test_training_and_serving_share_the_preprocessing(face_jpg, yunet):
    """The training cache, the video extraction and the server detector call the same crop and feature
    functions (object identity, not copies); the encoder crop is the same window at the encoder's size."""
    from fakescope.server.detectors import face_manipulation as serving
    from fakescope.training.face import data as face_data, features as face_features

    assert face_data.encoder_crop is F.encoder_crop and serving.encoder_crop is F.encoder_crop
    assert face_features.crop_features is F.crop_features and serving.crop_features is F.crop_features
    assert face_data.FaceFinder is F.FaceFinder and serving.FaceFinder is F.FaceFinder
    rgb = load_image(face_jpg)
    face = F.FaceFinder(yunet).find(rgb)[0]
    big = F.encoder_crop(rgb, face.box)
    assert big.shape == (F.ENCODER_CROP, F.ENCODER_CROP, 3)
    small = F.crop_face(rgb, face.box)  # same window, CROP_SIZE px: the encoder crop downscaled matches it
    import cv2

    down = cv2.resize(big, small.shape[:2], interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(down - small.astype(int)).mean() < 6


def test_whole_image_cache_matches_serving_path(face_jpg):
    from fakescope.server.features.image import RESIZE_SHORT, resize_and_crop

    rgb = load_image(face_jpg)
    assert np.array_equal(standardize_image(rgb), standardize_image(resize_and_crop(rgb, RESIZE_SHORT, RESIZE_SHORT)))
