"""The human-face check in the face detector (issue 23: no face box, no face score on a lion): a face that the
check refuses is not judged; without the check every YuNet face is. Synthetic checks (always / never human)
isolate the wiring; the shipped check's figures are on models/cards/human_face.md, and the last test runs the
shipped models on the pool's non-human detections (training-pool check)."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from PIL import Image

from fakescope.server import modelstore
from fakescope.server.detectors.base import Context
from fakescope.server.detectors.face_manipulation import FaceManipulationDetector
from fakescope.server.features.face import FEATURE_DIM
from fakescope.server.media.types import Media

PORTRAIT = f"{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg"  # a real photo of a person


def human_check(bias: float) -> dict:
    return {"mean": np.zeros(FEATURE_DIM), "scale": np.ones(FEATURE_DIM), "w": np.zeros(FEATURE_DIM),
            "b": np.array([bias]), "threshold": np.array([0.5])}


def detector(shipped, human: dict | None) -> FaceManipulationDetector:
    models, man = shipped
    entry = man["face_manipulation"]
    extra = {"yunet": modelstore.model_path(models, man["yunet"])}
    if human is not None:
        extra["human_face"] = human
    return FaceManipulationDetector(model=modelstore.load_model(models, "face_manipulation", entry), entry=entry,
                                    extra=extra)


def image_media(tmp_path, path) -> Media:
    target = tmp_path / "picture.jpg"
    Image.open(path).convert("RGB").save(target, "JPEG", quality=95)
    return Media(kind="image", path=target, sha256="0", size_bytes=target.stat().st_size)


@pytest.mark.parametrize("bias,judged", [(5.0, True), (-5.0, False)])
def test_only_human_faces_are_judged(shipped, tmp_path, bias, judged):
    res = detector(shipped, human_check(bias)).predict(image_media(tmp_path, PORTRAIT), Context())
    assert res["applicable"] is judged
    if judged:
        assert len(res["regions"]["faces"]) == 1 and res["score"] is not None
    else:
        assert res["score"] is None and res["regions"] == {} and "no human face found" in res["reason"]


def test_without_the_check_every_face_is_judged(shipped, tmp_path):
    res = detector(shipped, None).predict(image_media(tmp_path, PORTRAIT), Context())
    assert res["applicable"] and len(res["regions"]["faces"]) == 1


def test_the_shipped_check_keeps_a_real_portrait(shipped, tmp_path):
    models, man = shipped
    if "human_face" not in man:
        pytest.skip("human_face check not published")
    human = modelstore.load_model(models, "human_face", man["human_face"])
    res = detector(shipped, human).predict(image_media(tmp_path, PORTRAIT), Context())
    assert res["applicable"] and len(res["regions"]["faces"]) == 1
