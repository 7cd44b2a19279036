"""`fakescope models`, `fakescope encoders`, the OpenAPI basis enum and the README's reference sections
(issue 10, points 11 and 13)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fakescope.server.config import Settings

REPO = Path(__file__).resolve().parents[2]


def fakescope(*args, env=None):
    return subprocess.run([sys.executable, "-m", "fakescope.server", *args], capture_output=True, text=True, timeout=120,
                          cwd=str(REPO), env={**os.environ, **(env or {})})


def _entry(path: Path, version: str, **extra) -> dict:
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "format": "npz",
            "version": version, **extra}


def test_models_lists_version_role_heldout_auc_size_and_sha(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    files = {}
    for name, size in (("strong.npz", 2_500_000), ("weak.npz", 1000), ("finder.onnx", 300_000), ("bad.npz", 10)):
        files[name] = models / name
        files[name].write_bytes(os.urandom(size))
    th = {"lower": 0.2, "upper": 0.8}
    manifest = {
        "ai_image": _entry(files["weak.npz"], "aigen-2.0", thresholds=th, heldout_auc=0.41, heldout_worst_auc=0.30),
        "audio_speech": _entry(files["strong.npz"], "2.0.0", thresholds=th, heldout_auc=0.91,
                               heldout_worst_auc=0.82, metrics={"auc": 0.95}, input={"encoder": "whisper_tiny_en"}),
        "face_manipulation": {**_entry(files["bad.npz"], "face-2.0", thresholds=th, heldout_auc=0.8), "sha256": "0" * 64},
        "faces_by_type": _entry(files["weak.npz"], "f-3", thresholds=th, heldout_auc=0.8, heldout_worst_auc=0.5,
                                content_roles={"face_picture": {"heldout_auc": 0.8, "thresholds": {"lower": None, "upper": 0.9}},
                                               "face_video": {"heldout_auc": 0.7, "thresholds": {"lower": 0.1, "upper": 0.9}}}),
        "yunet": _entry(files["finder.onnx"], "2023mar", thresholds=None),
    }
    (models / "manifest.json").write_text(json.dumps({"schema": 1, "models": manifest}))
    proc = fakescope("models", "--models", str(models), "--verbose")
    assert proc.returncode == 1, proc.stderr  # one altered file
    rows = {ln.split()[0]: ln.split() for ln in proc.stdout.splitlines() if ln.split() and ln.split()[0] in manifest}
    assert rows["audio_speech"][1:4] == ["2.0.0", "decides", "0.910"]
    assert rows["ai_image"][1:4] == ["aigen-2.0", "advisory", "0.410"]
    assert rows["yunet"][1:4] == ["2023mar", "helper", "-"]
    assert rows["faces_by_type"][1:3] == ["f-3", "per-type"]
    assert "decides: face picture; advisory: face video" in proc.stdout
    assert "2.5 MB" in " ".join(rows["audio_speech"]) and manifest["audio_speech"]["sha256"][:12] in rows["audio_speech"]
    assert "INVALID" in " ".join(rows["face_manipulation"])
    assert "whisper_tiny_en" in rows["audio_speech"] and "whisper_tiny_en" not in rows["ai_image"]
    assert "vaigen" not in proc.stdout and "auc=0.950" in proc.stdout


def test_models_on_the_shipped_manifest_shows_versions_as_written():
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    proc = fakescope("models")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    for key, entry in manifest.items():
        version = str(entry.get("version"))
        assert re.search(rf"^{key}\s+{re.escape(version)}\s", proc.stdout, re.M), (key, proc.stdout)
        assert f"v{version}" not in proc.stdout  # the former "vaigen-1.0"


def test_openapi_basis_enum_includes_advisory():
    spec = json.loads((REPO / "server" / "openapi.json").read_text())
    basis = spec["components"]["schemas"]["Result"]["properties"]["basis"]["enum"]
    assert {"models", "provenance", "advisory"} <= set(basis)


def test_encoders_verify_reports_altered_files(tmp_path):
    from fakescope.server.encoders import ARTIFACTS

    for name, art in ARTIFACTS.items():
        d = tmp_path / name
        d.mkdir()
        for member in art.members:
            (d / art.local_name(member)).write_bytes(b"not the pinned weights")
    proc = fakescope("encoders", "verify", env={"FAKESCOPE_ENCODERS": str(tmp_path)})
    assert proc.returncode == 1
    assert all(f"{name}" in proc.stdout for name in ARTIFACTS) and proc.stdout.count("FAILED") == len(ARTIFACTS)
    assert "fakescope encoders fetch" in proc.stdout


def test_encoders_verify_passes_on_the_fetched_encoders():
    from fakescope.server.encoders import ARTIFACTS, artifact_dir
    from fakescope.server.encoders.artifacts import is_ready

    if not all(is_ready(a) for a in ARTIFACTS.values()):
        pytest.skip(f"encoders not fetched yet under {artifact_dir('x').parent}")
    proc = fakescope("encoders", "verify")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("verified") == len(ARTIFACTS)


def test_readme_documents_every_variable_serve_option_and_privacy():
    readme = (REPO / "README.md").read_text()
    names = [f"FAKESCOPE_{f.name.upper()}" for f in dataclasses.fields(Settings)]
    # ... and every FAKESCOPE_* variable the code reads anywhere
    for folder in ("server", "training", "bench", "tests"):
        for f in (REPO / folder).rglob("*.py"):
            names += re.findall(r"[\"'](FAKESCOPE_[A-Z_]+)[\"']", f.read_text(errors="replace"))
    names = sorted(set(names))
    missing = [n for n in names if not re.search(rf"`{n}(=[^`]*)?`", readme)]
    assert not missing, f"README lacks {missing}"
    from fakescope.server.cli import _parser

    serve = next(a for a in _parser()._subparsers._group_actions[0].choices.items() if a[0] == "serve")[1]
    options = [o for action in serve._actions for o in action.option_strings if o.startswith("--") and o != "--help"]
    assert options and not [o for o in options if f"`{o}" not in readme], options
    privacy = readme.split("## Privacy", 1)
    assert len(privacy) == 2, "README needs a Privacy section"
    section = privacy[1].split("\n## ", 1)[0]
    for must in ("FAKESCOPE_KEEP_MEDIA_CHECKS", "media", "sha256", "PyPI"):
        assert must in section, must
    assert re.search(r"Node(\.js)?.{0,40}npm|npm.{0,40}Node", readme), "README must say Node/npm are needed"
