"""On-disk cache for extracted features and augmented waveforms (under .cache/, git-ignored).

Keys hash everything the value depends on (file sha256, feature spec, augmentation recipe and seed),
so a change to any of them misses the cache instead of silently reusing stale arrays."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

from .config import cache_dir


def key_of(*parts) -> str:
    """Stable short hash of JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def cached(namespace: str, key: str, compute: Callable[[], np.ndarray], root: Path | None = None) -> np.ndarray:
    """Load <cache>/<namespace>/<key>.npy, or compute, store (atomically) and return it."""
    folder = Path(root or cache_dir()) / namespace
    path = folder / f"{key}.npy"
    if path.exists():
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError):
            path.unlink(missing_ok=True)  # a torn write from a killed run: recompute
    arr = np.asarray(compute())
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.npy"
    np.save(tmp, arr, allow_pickle=False)
    os.replace(tmp, path)
    return arr
