"""End-to-end: the unpacked extension in real headless Chromium against the real FakeScope server.

pytest prepares the real parts (server with the shipped models, a page on 127.0.0.1 with an image, a
data: image, a 403-to-servers image, a video and an audio element); extension/tests/e2e.mjs drives the
browser (menu dispatch, badges, details, feedback, popup, server-down message, screenshot).
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
import requests

from ext_env import EXT_DIR, REPO
from ext_page import PageServer, make_media
from ext_server import FakeScopeServer, free_port

pytestmark = pytest.mark.browser
ARTIFACTS = EXT_DIR / "tests" / "artifacts"


@pytest.fixture(scope="module")
def e2e_run(tmp_path_factory, shared_dir, node, node_modules, chromium_exe):
    from server.media.decode import ffmpeg_exe

    root = tmp_path_factory.mktemp("e2e")
    make_media(root / "site", shared_dir, ffmpeg_exe())
    (root / "tmp").mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "e2e.png"
    with FakeScopeServer(root / "data", root / "tmp") as server, PageServer(root / "site") as site:
        env = {**os.environ, "SERVER_URL": server.url, "DOWN_URL": f"http://127.0.0.1:{free_port()}",
               "PAGE_URL": f"{site.url}/index.html", "EXT_DIR": str(EXT_DIR), "SCREENSHOT": str(screenshot),
               "CHROMIUM": chromium_exe}
        proc = subprocess.run([node, str(EXT_DIR / "tests" / "e2e.mjs")], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=330)
        export = root / "export"
        subprocess.run([sys.executable, "-m", "server", "feedback", "export", str(export), "--data-dir", str(server.data_dir)],
                       cwd=REPO, check=True, capture_output=True, timeout=120)
        health = requests.get(f"{server.url}/api/v1/health", timeout=5).json()
        server_log = server.log_text()
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("E2E_RESULT ")), "E2E_RESULT {}")
    (ARTIFACTS / "e2e-summary.json").write_text(line.split(" ", 1)[1] + "\n")  # measured run, for the record
    return {"rc": proc.returncode, "out": proc.stdout[-6000:] + proc.stderr[-6000:] + "\n--- server log ---\n" + server_log,
            "summary": json.loads(line.split(" ", 1)[1]), "screenshot": screenshot, "export": export, "health": health}


def test_every_media_kind_gets_the_server_verdict(e2e_run):
    assert e2e_run["rc"] == 0, e2e_run["out"]
    s = e2e_run["summary"]
    assert s.get("ok") is True, e2e_run["out"]
    assert set(s["checks"]) == {"photo", "inline", "members_only", "clip", "speech"}
    assert {c["kind"] for c in s["checks"].values()} == {"image", "video", "audio"}
    for c in s["checks"].values():
        assert c["verdict"] in ("likely_fake", "uncertain", "likely_real", "not_applicable")


def test_details_list_the_loaded_detectors(e2e_run):
    assert e2e_run["rc"] == 0, e2e_run["out"]
    assert set(e2e_run["summary"]["details_detectors"]) <= set(e2e_run["health"]["detectors"])


def test_report_wrong_verdict_is_stored_with_the_media_hash(e2e_run):
    assert e2e_run["rc"] == 0, e2e_run["out"]
    rows = list(csv.DictReader(open(e2e_run["export"] / "labels.csv")))
    assert [r["label"] for r in rows] == ["real"], rows
    assert len(rows[0]["sha256"]) == 64


def test_screenshots_saved(e2e_run):
    assert e2e_run["rc"] == 0, e2e_run["out"]
    for name in ("e2e.png", "e2e-server-down.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
