"""Store consistency across a kill, media retention bounds, and the `fakescope` command line."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import requests

from server_fixtures import LAUNCHER, TEST_ENV, RunningServer, free_port, noise_image, solid_png
from fakescope.server.store import Store


def test_kill_mid_check_leaves_store_consistent(tmp_path):
    srv = RunningServer(tmp_path / "a", allow_private=True, env=TEST_ENV).start()
    try:
        done = srv.wait(srv.upload(noise_image(21)).json()["id"])
        slow = srv.upload(solid_png((255, 0, 0), size=(70, 70)), name="red.png").json()["id"]
        deadline = time.time() + 20
        while requests.get(f"{srv.url}/api/v1/checks/{slow}", timeout=10).json()["status"] != "running":
            assert time.time() < deadline
            time.sleep(0.1)
    finally:
        srv.stop(signal.SIGKILL)
    with sqlite3.connect(srv.data_dir / "fakescope.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = RunningServer(tmp_path / "b", allow_private=True, env=TEST_ENV, data_dir=srv.data_dir).start()
    try:
        body = requests.get(f"{again.url}/api/v1/checks/{slow}", timeout=10).json()
        assert body["status"] == "failed" and body["error"]["code"] == "interrupted"
        kept = requests.get(f"{again.url}/api/v1/checks/{done['id']}", timeout=10).json()
        assert kept["status"] == "done" and kept["result"] == done["result"]
        cached = again.upload(noise_image(21)).json()  # the cache survives the restart
        assert cached["status"] == "done" and cached["cached"] is True
    finally:
        again.stop()


def test_media_copies_are_bounded_but_flagged_media_kept(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    ids = []
    for i in range(5):
        f = tmp_path / f"m{i}.jpg"
        f.write_bytes(noise_image(40 + i))
        sha = f"{i:064d}"
        cid = f"c{i}"
        store.create_check(cid, "image", {"upload": True}, status="done", result={"verdict": "uncertain"}, sha256=sha)
        if i == 0:
            store.add_feedback(cid, "real", None)
        store.keep_media(sha, f, "image/jpeg", keep_count=2, keep_bytes=10**9)
        ids.append(sha)
    kept = sorted(p.name.split(".")[0] for p in store.media_dir.iterdir())
    assert kept == sorted([ids[0], ids[3], ids[4]])  # the two newest plus the one with feedback
    items = store.feedback_items()
    assert len(items) == 1 and items[0]["file"].exists() and items[0]["label"] == "real"


def _cli(*args, env=None, timeout=180):
    return subprocess.run([sys.executable, str(LAUNCHER), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_cli_check_prints_json_and_readable(tmp_path, media_dir):
    models = tmp_path / "models"
    models.mkdir()
    (models / "manifest.json").write_text('{"schema": 1, "models": {}}')
    common = ["--models", str(models), "--data-dir", str(tmp_path / "data")]
    proc = _cli("check", str(media_dir / "tone.wav"), "--json", *common)
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    assert body["status"] == "done" and body["result"]["media"]["kind"] == "audio"
    proc = _cli("check", str(media_dir / "noise.jpg"), *common)
    assert proc.returncode == 0 and "probability of manipulation" in proc.stdout and "not a certainty" in proc.stdout
    proc = _cli("check", str(media_dir / "trunc.jpg"), *common)
    assert proc.returncode == 1 and "decode_failed" in proc.stderr


def test_altered_model_refuses_start_and_models_lists_it(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.keras").write_bytes(b"not the pinned weights")
    entry = {"file": "m.keras", "sha256": "0" * 64, "format": "keras", "version": "1.0.0",
             "metrics": {"auc": 0.91}}
    (models / "manifest.json").write_text(json.dumps({"schema": 1, "models": {"ai_image": entry}}))
    listed = _cli("models", "--models", str(models), "--verbose")
    assert listed.returncode == 1 and "ai_image" in listed.stdout and "INVALID" in listed.stdout
    assert "auc=0.910" in listed.stdout
    serve = _cli("serve", "--port", str(free_port()), "--models", str(models), "--data-dir", str(tmp_path / "d"), timeout=120)
    assert serve.returncode == 2 and "refusing to start" in serve.stderr and "sha256" in serve.stderr


def test_readable_verdict_without_a_deciding_model_shows_no_probability():
    # Only an advisory model applied: the headline must not present its score as a probability.
    from fakescope.server.cli import _readable
    from fakescope.server.verdict import combine

    det = {"detector": "ai_image", "applicable": True, "score": 0.93, "verdict": "likely_fake", "advisory": True,
           "reason": None, "evidence": [], "model_version": "x"}
    result = {**combine([det]), "detectors": [det],
              "media": {"kind": "image", "mime": "image/png", "size_bytes": 10, "sha256": "0" * 64}}
    text = _readable({"status": "done", "cached": False, "result": result})
    assert text.startswith("Uncertain: no model that applies is reliable enough")
    assert "probability" not in text and "[advisory: not used for the verdict]" in text
