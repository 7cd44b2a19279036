"""API contract against a real server on loopback: health, OpenAPI, uploads, long-poll, cache, history,
cancel, the busy queue, feedback and its export."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import time

import requests

from server_fixtures import CLIENT, LAUNCHER, noise_image, solid_png


def test_health_lists_detectors_and_queue(server):
    body = requests.get(server.url + "/api/v1/health", timeout=10).json()
    assert body["status"] == "ok" and body["workers"] == 1
    assert {"test_mean_pixel", "test_loudness"} <= set(body["detectors"])
    assert body["models"] == [] and body["queue_depth"] >= 0


def test_openapi_documents_every_route(server):
    doc = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/health", "/openapi.json", "/checks", "/checks/{id}", "/feedback", "/models/{key}/card"}
    assert {"get", "delete"} <= set(doc["paths"]["/checks/{id}"])
    codes = set(doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
    assert {"busy", "forbidden_address", "decode_failed", "too_large"} <= codes


def test_image_upload_long_poll_gives_verdict_in_one_round_trip(server):
    r = server.upload(noise_image(11))
    assert r.status_code == 202
    created = r.json()
    assert created["status"] in ("queued", "running") and created["source"]["upload"] is True
    body = requests.get(f"{server.url}/api/v1/checks/{created['id']}", params={"wait": 25}, timeout=40).json()
    assert body["status"] == "done" and body["progress"] == 1.0
    res = body["result"]
    assert res["verdict"] in ("likely_fake", "uncertain", "likely_real")
    mean = next(d for d in res["detectors"] if d["detector"] == "test_mean_pixel")
    assert 0.4 < mean["score"] < 0.6  # uniform noise averages ~127/255
    assert res["media"]["kind"] == "image" and res["media"]["width"] == 320 and len(res["media"]["sha256"]) == 64
    assert {"download", "decode", "test_mean_pixel", "total"} <= set(res["timings"])
    assert "test_mean_pixel" in res["model_versions"]


def test_same_bytes_come_back_cached_and_done(server):
    data = noise_image(12)
    first = server.wait(server.upload(data).json()["id"])
    again = server.upload(data, name="renamed.jpg")
    assert again.status_code == 202
    body = again.json()
    assert body["status"] == "done" and body["cached"] is True
    assert body["result"]["score"] == first["result"]["score"] and body["id"] != first["id"]


def test_history_is_paged_newest_first(server):
    ids = [server.wait(server.upload(noise_image(100 + i)).json()["id"])["id"] for i in range(3)]
    page = requests.get(server.url + "/api/v1/checks", params={"limit": 2, "offset": 0}, timeout=10).json()
    assert page["limit"] == 2 and page["offset"] == 0 and page["total"] >= 3
    assert [c["id"] for c in page["items"]] == ids[::-1][:2]
    nxt = requests.get(server.url + "/api/v1/checks", params={"limit": 2, "offset": 2}, timeout=10).json()
    assert nxt["items"][0]["id"] == ids[0]
    bad = requests.get(server.url + "/api/v1/checks", params={"limit": "x"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"


def test_cancel_a_running_check_cleans_up(server):
    cid = server.upload(solid_png((255, 0, 0)), name="red.png").json()["id"]  # the probe is slow on pure red
    deadline = time.time() + 20
    while requests.get(f"{server.url}/api/v1/checks/{cid}", timeout=10).json()["stage"] != "scoring image":
        assert time.time() < deadline
        time.sleep(0.1)
    r = requests.delete(f"{server.url}/api/v1/checks/{cid}", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    time.sleep(0.5)
    body = requests.get(f"{server.url}/api/v1/checks/{cid}", timeout=10).json()
    assert body["status"] == "cancelled" and body["result"] is None
    assert server.leftover_files() == []
    assert requests.delete(f"{server.url}/api/v1/checks/nope", timeout=10).status_code == 404


def test_long_poll_returns_early_when_the_stage_changes(server):
    # The slow probe spends 8 s in "scoring image": a wait=20 long-poll that names an older stage must come
    # back as soon as the stage moves on, and one that names the current stage must hold until its wait ends.
    cid = server.upload(solid_png((255, 0, 0), size=(70, 64)), name="red-stage.png").json()["id"]
    t = time.monotonic()
    body = requests.get(f"{server.url}/api/v1/checks/{cid}", params={"wait": 20, "stage": "queued"}, timeout=30).json()
    assert body["stage"] != "queued" and time.monotonic() - t < 8
    while body["stage"] != "scoring image":
        body = requests.get(f"{server.url}/api/v1/checks/{cid}", params={"wait": 5, "stage": body["stage"]},
                            timeout=30).json()
    t = time.monotonic()
    held = requests.get(f"{server.url}/api/v1/checks/{cid}", params={"wait": 1, "stage": "scoring image"}, timeout=30)
    assert held.json()["stage"] == "scoring image" and time.monotonic() - t >= 0.9
    requests.delete(f"{server.url}/api/v1/checks/{cid}", timeout=10)


def test_full_queue_answers_429_with_retry_after(server):
    ids, busy = [], None
    for i in range(6):  # 1 worker + queue of 2: the fourth slow check cannot be taken
        r = server.upload(solid_png((255, 0, 0), size=(64 + i, 64)), name=f"red{i}.png")
        if r.status_code == 429:
            busy = r
            break
        ids.append(r.json()["id"])
    try:
        assert busy is not None, "the queue never filled"
        assert busy.json()["error"]["code"] == "busy" and int(busy.headers["Retry-After"]) >= 1
        assert len(ids) >= 2
    finally:
        for cid in ids:
            requests.delete(f"{server.url}/api/v1/checks/{cid}", timeout=10)
    for cid in ids:
        assert server.wait(cid)["status"] == "cancelled"
    # Cancelled checks free the worker and the queue (bounded wait), so later checks are accepted again.
    deadline = time.time() + 30
    while requests.get(server.url + "/api/v1/health", timeout=10).json()["queue_depth"] and time.time() < deadline:
        time.sleep(0.1)
    assert requests.get(server.url + "/api/v1/health", timeout=10).json()["queue_depth"] == 0
    # The refused check left no row behind.
    assert all(c["id"] in ids or c["status"] != "queued"
               for c in requests.get(server.url + "/api/v1/checks?limit=100", timeout=10).json()["items"])


def test_bad_requests_are_clean_json(server):
    cases = [
        requests.post(server.url + "/api/v1/checks", json={"url": "http://x.test/a.jpg", "kind": "gif"}, timeout=10),
        requests.post(server.url + "/api/v1/checks", json={"kind": "image"}, timeout=10),
        requests.post(server.url + "/api/v1/checks", json=["not", "an", "object"], timeout=10),
        requests.post(server.url + "/api/v1/checks", json={"url": "file:///etc/passwd"}, timeout=10),
        requests.post(server.url + "/api/v1/checks", data={"url": "http://x"}, timeout=10),
        requests.post(server.url + "/api/v1/checks", files={"nope": ("a.jpg", b"1")}, headers=CLIENT, timeout=10),
        requests.get(server.url + "/api/v1/checks/unknown", timeout=10),
        requests.get(server.url + "/api/v1/nothing-here", timeout=10),
        requests.get(server.url + "/api/v1/checks/x", params={"wait": "soon"}, timeout=10),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        err = r.json()["error"]
        assert err["code"] and err["message"]
    assert cases[4].status_code == 415 and cases[6].json()["error"]["code"] == "not_found"


def test_feedback_is_recorded_and_exported(server, tmp_path):
    data = noise_image(13)
    check = server.wait(server.upload(data, name="flag.jpg").json()["id"])
    r = requests.post(server.url + "/api/v1/feedback", json={"check_id": check["id"], "label": "fake",
                                                             "comment": "I made this one"}, timeout=10)
    assert r.status_code == 201 and r.json()["id"] and r.json()["label"] == "fake"
    for body, status in (({"check_id": check["id"], "label": "maybe"}, 400), ({"check_id": "nope", "label": "real"}, 404)):
        assert requests.post(server.url + "/api/v1/feedback", json=body, timeout=10).status_code == status
    out = tmp_path / "export"
    proc = subprocess.run([sys.executable, str(LAUNCHER), "feedback", "export", str(out), "--data-dir",
                           str(server.data_dir)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(open(out / "labels.csv")))
    row = next(x for x in rows if x["sha256"] == check["result"]["media"]["sha256"])
    assert row["label"] == "fake" and row["y"] == "1" and row["verdict_given"] == check["result"]["verdict"]
    assert (out / row["file"]).read_bytes() == data


def test_server_log_has_one_line_per_check(server):
    lines = [line for line in server.log.read_text().splitlines() if "fakescope.checks: check " in line]
    assert lines and all(" in " in line for line in lines)
    json.dumps(lines)  # plain text lines


def test_openapi_lists_every_error_code_the_server_speaks():
    import json
    from pathlib import Path

    from fakescope.server.errors import STATUS

    doc = json.loads((Path(__file__).resolve().parents[2] / "server" / "openapi.json").read_text())
    assert set(doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]) == set(STATUS)
