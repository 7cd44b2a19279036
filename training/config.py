"""Locating the repo and ../shared, and loading per-detector configs (training/configs/<name>.json).

Paths inside configs are relative: "shared:datasets/audio" resolves under the shared folder, anything
else under the repo root. Never absolute, so a clean checkout beside ../shared reproduces a model."""
from __future__ import annotations

import json
import os
from pathlib import Path

SHARED_PREFIX = "shared:"


def repo_root() -> Path:
    """The checkout root (the folder holding training/ and server/)."""
    return Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """$FAKESCOPE_SHARED, else ../shared beside the checkout (datasets and weights, never committed)."""
    env = os.environ.get("FAKESCOPE_SHARED")
    return Path(env).resolve() if env else (repo_root().parent / "shared").resolve()


def cache_dir() -> Path:
    """Git-ignored cache for extracted features and augmented variants ($FAKESCOPE_CACHE overrides)."""
    env = os.environ.get("FAKESCOPE_CACHE")
    return Path(env) if env else repo_root() / ".cache"


def resolve_path(value: str | os.PathLike) -> Path:
    """Resolve a config path: "shared:x/y" -> shared_dir()/x/y; relative -> repo_root()/value."""
    s = str(value)
    if s.startswith(SHARED_PREFIX):
        return shared_dir() / s[len(SHARED_PREFIX):]
    p = Path(s)
    if p.is_absolute():
        raise ValueError(f"config paths must be relative to the repo or 'shared:', got {s!r}")
    return repo_root() / p


def config_path(name: str) -> Path:
    return repo_root() / "training" / "configs" / f"{name}.json"


def load_config(name: str, path: str | os.PathLike | None = None) -> dict:
    """Load training/configs/<name>.json (or `path`). Adds "name" and checks the keys every recipe needs."""
    p = Path(path) if path else config_path(name)
    if not p.exists():
        raise FileNotFoundError(f"no training config {p}")
    cfg = json.loads(p.read_text())
    cfg.setdefault("name", name)
    for key in ("recipe", "detector"):
        if key not in cfg:
            raise ValueError(f"config {p} lacks {key!r}")
    _reject_absolute(cfg, p)
    return cfg


def _reject_absolute(obj, where: Path, key: str = "") -> None:
    """Configs must stay portable: any string value that is an absolute path is an error."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            _reject_absolute(v, where, k)
    elif isinstance(obj, list):
        for v in obj:
            _reject_absolute(v, where, key)
    elif isinstance(obj, str) and (obj.startswith("/") or (len(obj) > 2 and obj[1] == ":" and obj[2] in "\\/")):
        raise ValueError(f"config {where}: {key!r} is an absolute path ({obj!r})")


def limit_threads(n: int = 2) -> None:
    """Keep TF on the 2 shared cores (call before building any model)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        pass  # already initialised: the setting can only be applied once per process


def set_seed(seed: int) -> None:
    """Fix Python, numpy and TF seeds for reproducible runs."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    import keras

    keras.utils.set_random_seed(seed)
