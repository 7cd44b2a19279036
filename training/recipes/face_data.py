"""Shared helpers of the face and AI-image recipes: where the YuNet face finder lives, and group-wise
hold-out masks (a group never straddles a split). The v2 face data itself is training/recipes/face_v2_data.py."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def yunet_path(repo: Path) -> Path:
    return repo / "models" / "yunet" / "face_detection_yunet_2023mar.onnx"


def group_holdout(groups: np.ndarray, frac: float, seed: int) -> np.ndarray:
    """Boolean mask of rows whose group is held out. A group's side depends only on (seed, group name),
    never on which other rows are present, so a subset (tests, smoke runs) gets the same split."""
    def side(g: str) -> float:
        return int.from_bytes(hashlib.sha1(f"{seed}:{g}".encode()).digest()[:8], "big") / 2.0 ** 64

    sides = {g: side(str(g)) for g in np.unique(groups)}
    return np.array([sides[g] < frac for g in groups])
