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

from fakescope.training.config import cache_dir


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


def cached_arrays(path: Path, compute: Callable[[], dict]) -> dict[str, np.ndarray]:
    """Load a dict of named arrays from the .npz file `path`, or compute it, store it atomically (a killed
    run leaves no torn file behind) and return it."""
    path = Path(path)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (ValueError, OSError):
            path.unlink(missing_ok=True)
    data = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez(tmp, **data)
    os.replace(tmp, path)
    return data


def pack_waves(waves: list[np.ndarray]) -> np.ndarray:
    """Clips as one int16 matrix; row 0 holds the lengths as uint16 bit patterns (clips <= 4 s)."""
    n = max(len(x) for x in waves)
    mat = np.zeros((len(waves) + 1, n), np.int16)
    mat[0, : len(waves)] = np.array([len(x) for x in waves], np.int64).astype(np.uint16).view(np.int16)
    for i, x in enumerate(waves):
        mat[i + 1, : len(x)] = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
    return mat


def unpack_waves(mat: np.ndarray) -> list[np.ndarray]:
    lens = mat[0].view(np.uint16)
    return [mat[i + 1, : int(lens[i])].astype(np.float32) / 32767 for i in range(len(mat) - 1)]
