"""The shipped models: models/manifest.json names each file with its sha256, input spec, calibration,
thresholds and measured metrics. The server loads exactly what the manifest pins and nothing else."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST = "manifest.json"


class ModelError(RuntimeError):
    """A model named in the manifest is missing, altered or unloadable: the server must not start."""


def default_models_dir() -> Path:
    """$FAKESCOPE_MODELS, else models/ beside the package (source checkout / editable install),
    else ./models."""
    env = os.environ.get("FAKESCOPE_MODELS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent / "models"
    return here if (here / MANIFEST).exists() else Path.cwd() / "models"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(models_dir: str | Path) -> dict:
    """The manifest's "models" mapping: key -> entry. An absent manifest is an error."""
    path = Path(models_dir) / MANIFEST
    if not path.exists():
        raise ModelError(f"no model manifest at {path}")
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc
    return data.get("models", {})


def write_manifest_entry(models_dir: str | Path, key: str, entry: dict) -> None:
    """Insert or replace one model's entry (used by `fakescope evaluate`, never edited by hand)."""
    path = Path(models_dir) / MANIFEST
    data = json.loads(path.read_text()) if path.exists() else {"schema": 1, "models": {}}
    data.setdefault("models", {})[key] = entry
    data["models"] = dict(sorted(data["models"].items()))
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def model_path(models_dir: str | Path, entry: dict) -> Path:
    return Path(models_dir) / entry["file"]


def verify(models_dir: str | Path, key: str, entry: dict) -> Path:
    """Check that the file exists and matches its pinned sha256; return its path."""
    path = model_path(models_dir, entry)
    if not path.exists():
        raise ModelError(f"model {key!r}: file {path} is missing")
    digest = sha256_file(path)
    if digest != entry.get("sha256"):
        raise ModelError(f"model {key!r}: sha256 of {path} is {digest}, manifest pins {entry.get('sha256')}")
    return path


def load_model(models_dir: str | Path, key: str, entry: dict):
    """Verify and load one model. Keras files load with compile=False (inference only)."""
    path = verify(models_dir, key, entry)
    fmt = entry.get("format", path.suffix.lstrip("."))
    if fmt == "keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        try:
            return keras.saving.load_model(str(path), compile=False)
        except Exception as exc:
            raise ModelError(f"model {key!r}: cannot load {path}: {exc}") from exc
    if fmt == "onnx":
        return path  # opened by OpenCV (e.g. the YuNet face detector) inside the detector
    if fmt == "npz":
        # small heads on pretrained-encoder features (weights, biases, feature statistics): plain arrays,
        # evaluated with numpy; no pickled objects are ever loaded
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except Exception as exc:
            raise ModelError(f"model {key!r}: cannot load {path}: {exc}") from exc
    raise ModelError(f"model {key!r}: unknown format {fmt!r}")
