"""Cancelling a check whose download trickles frees its worker at once (issue 21: a trickled download took
about a minute to notice the cancel, because the loop only looked between whole 256 KB chunks, and a body
with a Content-Length is read a whole chunk at a time).

One worker and a 120 s download deadline: after the trickle is cancelled, a small upload can only run once
the worker is free. Before the fix it waited for the deadline (120 s); the bound below is a quarter of that."""
from __future__ import annotations

import time

import pytest
import requests

from reliability_fixtures import _server, wait_idle
from server_fixtures import CLIENT, noise_image


@pytest.fixture(scope="module")
def one_worker_server(tmp_path_factory):
    srv = _server(tmp_path_factory, "cancel", allow_private=True,
                  env={"FAKESCOPE_WORKERS": "1", "FAKESCOPE_DOWNLOAD_DEADLINE": "120", "FAKESCOPE_READ_TIMEOUT": "5"})
    yield srv
    srv.stop()


@pytest.mark.slow
def test_a_cancelled_trickling_download_frees_its_worker(one_worker_server, hostile_site):
    srv = one_worker_server
    r = srv.post_json({"url": hostile_site.url + "/trickle", "kind": "image"}, headers=CLIENT)
    assert r.status_code == 202, r.text
    cid = r.json()["id"]
    deadline = time.monotonic() + 30
    while requests.get(f"{srv.url}/api/v1/checks/{cid}", timeout=10).json().get("stage") != "downloading":
        assert time.monotonic() < deadline, "the trickle never started downloading"
        time.sleep(0.2)
    time.sleep(1.0)  # a few bytes in
    assert requests.delete(f"{srv.url}/api/v1/checks/{cid}", headers=CLIENT, timeout=10).json()["status"] == "cancelled"
    t = time.monotonic()
    up = srv.upload(noise_image(5), "after.jpg")
    assert up.status_code == 202, up.text
    final = srv.wait(up.json()["id"], timeout=60)
    assert final["status"] == "done", final
    assert time.monotonic() - t < 30, "the cancelled download held the only worker"
    wait_idle(srv)
    assert srv.leftover_files() == []
