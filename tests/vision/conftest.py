"""Fixtures for the image/video tests: fixture faces from ../shared, the shipped models, ffmpeg clips."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def face_jpg(shared_dir) -> Path:
    """A real face photo from the smoke fixtures of the image set."""
    return shared_dir / "datasets" / "images" / "real" / "smoke" / "mesonet_real00240.jpg"


@pytest.fixture(scope="session")
def yunet(repo_root) -> Path:
    return repo_root / "models" / "yunet" / "face_detection_yunet_2023mar.onnx"


@pytest.fixture(scope="session")
def shipped(repo_root):
    """(models_dir, manifest) when the vision models are published; skips otherwise."""
    from fakescope.server import modelstore

    models = repo_root / "models"
    man = modelstore.read_manifest(models)
    if "face_manipulation" not in man or "yunet" not in man:
        pytest.skip("face model not published yet (run: python -m fakescope.training.cli train face / evaluate face)")
    return models, man
