"""Faults, each with a real server process: SIGKILL mid-check and restart, a model or encoder file that does
not match its pinned sha256, and a disk that fills during a check (RLIMIT_FSIZE on the server process: a
file-size limit makes every write past it fail with EFBIG, as a full disk fails with ENOSPC, without root or
a special filesystem; the server maps both to the same error)."""
from __future__ import annotations

import json
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from reliability_fixtures import REL_ENV, RED, ffmpeg, wait_idle, wav
from server_fixtures import LAUNCHER, RunningServer, free_port, noise_image

REPO = Path(__file__).resolve().parents[2]


def _temp_dirs(srv: RunningServer) -> list[str]:
    return sorted(p.name for p in srv.tmpdir.iterdir())


def _integrity(db_path: Path) -> None:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_sigkill_mid_check_then_restart(tmp_path):
    env = {**REL_ENV, "FAKESCOPE_WORKERS": "1"}
    srv = RunningServer(tmp_path, allow_private=True, env=env).start()
    try:
        done = [srv.wait(srv.upload(noise_image(seed)).json()["id"]) for seed in (31, 32)]
        fb = requests.post(srv.url + "/api/v1/feedback", timeout=10,
                           json={"check_id": done[0]["id"], "label": "fake", "comment": "kept across a kill"})
        assert fb.status_code == 201
        running = srv.upload(RED, name="red.png").json()["id"]
        deadline = time.time() + 30
        while requests.get(f"{srv.url}/api/v1/checks/{running}", timeout=10).json()["status"] != "running":
            assert time.time() < deadline, "the slow check never started"
            time.sleep(0.1)
        queued = srv.upload(noise_image(33)).json()["id"]
        assert requests.get(f"{srv.url}/api/v1/checks/{queued}", timeout=10).json()["status"] == "queued"
        assert any(n.startswith("fakescope-check-") for n in _temp_dirs(srv))  # work in flight on disk
    finally:
        srv.stop(signal.SIGKILL)
    assert srv.proc.returncode == -signal.SIGKILL
    _integrity(srv.data_dir / "fakescope.sqlite3")

    again = RunningServer(tmp_path, allow_private=True, env=env).start()  # same data dir and TMPDIR
    try:
        assert _temp_dirs(again) == [], "the killed process's temp dirs are removed at start"
        for cid in (running, queued):
            body = requests.get(f"{again.url}/api/v1/checks/{cid}", timeout=10).json()
            assert body["status"] == "failed" and body["error"]["code"] == "interrupted", body
            assert "stopped before this check finished" in body["error"]["message"]
        for before in done:
            kept = requests.get(f"{again.url}/api/v1/checks/{before['id']}", timeout=10).json()
            assert kept["status"] == "done" and kept["result"]["score"] == before["result"]["score"]
        history = requests.get(f"{again.url}/api/v1/checks", params={"limit": 10}, timeout=10).json()
        assert history["total"] == 4
        cached = again.upload(noise_image(31)).json()
        assert cached["status"] == "done" and cached["cached"] is True  # the cache survived
        fresh = again.wait(again.upload(noise_image(34)).json()["id"])
        assert fresh["status"] == "done"  # and the restarted server works
    finally:
        again.stop()
    with sqlite3.connect(f"file:{again.data_dir / 'fakescope.sqlite3'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT check_id, label, comment FROM feedback").fetchall()
    assert rows == [(done[0]["id"], "fake", "kept across a kill")]


def _start_expecting_refusal(tmp_path: Path, models: Path, env: dict | None = None) -> tuple[int, str]:
    cmd = [sys.executable, str(LAUNCHER), "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
           "--models", str(models)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                          env={**RunningServer(tmp_path / "x", False).env, **(env or {})})
    return proc.returncode, proc.stdout + proc.stderr


def _models_with(tmp_path: Path, key: str) -> tuple[Path, Path]:
    """A models folder holding one real manifest entry and a copy of its file."""
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    entry = manifest[key]
    models = tmp_path / "models"
    (models / entry["file"]).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "models" / entry["file"], models / entry["file"])
    (models / "manifest.json").write_text(json.dumps({"schema": 1, "models": {key: entry}}))
    return models, models / entry["file"]


@pytest.mark.slow
def test_altered_model_file_refuses_start(tmp_path):
    models, model_file = _models_with(tmp_path, "audio_speech")
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_file.write_bytes(bytes(data))
    code, out = _start_expecting_refusal(tmp_path, models)
    assert code == 2, out
    assert "refusing to start" in out and str(model_file) in out and "sha256" in out, out
    assert "Traceback" not in out


@pytest.mark.slow
def test_altered_encoder_file_refuses_start(tmp_path):
    from fakescope.server.encoders import ARTIFACTS

    models, _ = _models_with(tmp_path, "audio_speech")
    enc = tmp_path / "encoders"
    for name, art in ARTIFACTS.items():  # looks fetched (marker and files present), but every file is altered
        d = enc / name
        d.mkdir(parents=True)
        (d / ".verified").write_text(art.wheel_sha256 + "\n")
        for member in art.members:
            (d / art.local_name(member)).write_bytes(b"not the pinned weights")
    code, out = _start_expecting_refusal(tmp_path, models, {"FAKESCOPE_ENCODERS": str(enc)})
    assert code == 2, out
    assert "refusing to start" in out and str(enc) in out and "altered" in out, out


@pytest.mark.slow
def test_full_disk_during_a_check(tmp_path, hostile_site):
    limit = 300_000  # bytes any one file of the server may reach; the history database stays well below
    small = wav(np.random.default_rng(4).uniform(-0.5, 0.5, 16000 * 14))  # 450 kB: waitress keeps it in memory
    big = wav(np.random.default_rng(5).uniform(-0.5, 0.5, 16000 * 250))   # 8 MB, under every cap
    hostile_site.files["big-audio"] = ("big.wav", big, "audio")
    clip = tmp_path / "big-clip.mp4"  # 2 s of noise video: incompressible, about 1 MB
    ffmpeg("-f", "lavfi", "-i", "nullsrc=s=320x240:r=25,geq=random(1)*255:128:128", "-t", "2", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", out=clip)
    hostile_site.files["big-clip.mp4"] = ("big.mp4", clip.read_bytes(), "video")
    assert len(hostile_site.files["big-clip.mp4"][1]) > limit
    srv = RunningServer(tmp_path, allow_private=True, env=REL_ENV).start()
    try:
        before = srv.wait(srv.upload(noise_image(41)).json()["id"])
        assert before["status"] == "done"
        resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))  # soft limit

        r = srv.upload(small, name="small.wav", kind="audio")  # saving the upload fills the disk
        assert r.status_code == 507 and r.json()["error"]["code"] == "disk_full", (r.status_code, r.text[:300])
        assert "disk is full" in r.json()["error"]["message"]

        r = srv.post_json({"url": hostile_site.url + "/file/big-audio", "kind": "audio"})
        assert r.status_code == 202
        failed = srv.wait(r.json()["id"])  # the download fills the disk mid-stream
        assert failed["status"] == "failed" and failed["error"]["code"] == "disk_full", failed

        r = srv.post_json({"page_url": hostile_site.url + "/page-of/big-clip.mp4", "kind": "video"})
        failed = srv.wait(r.json()["id"])  # yt-dlp's download fills the disk
        assert failed["status"] == "failed" and failed["error"]["code"] == "disk_full", failed

        try:  # waitress buffers a large body in a temp file before the app sees it: on a full disk it
            r = srv.upload(big, name="big.wav", kind="audio")  # drops the connection (known, see SECURITY.md)
            assert r.status_code == 507 and r.json()["error"]["code"] == "disk_full", r.text[:300]
        except requests.ConnectionError:
            pass

        assert requests.get(srv.url + "/api/v1/health", timeout=10).json()["status"] == "ok"
        kept = requests.get(f"{srv.url}/api/v1/checks/{before['id']}", timeout=10).json()
        assert kept["result"] == before["result"]
        wait_idle(srv)
        assert srv.leftover_files() == []
        _integrity(srv.data_dir / "fakescope.sqlite3")

        resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        r = srv.post_json({"url": hostile_site.url + "/file/big-audio", "kind": "audio"})
        after = srv.wait(r.json()["id"])  # space again: the same check now succeeds
        assert after["status"] == "done" and after["result"]["media"]["size_bytes"] == len(big), after
    finally:
        srv.stop()
    assert "Traceback" not in srv.log.read_text(errors="replace")
