"""Safety rules on a server with the default address guard: Origin, Host, CORS, content types, private
targets (also at connect time), and the shared black-box contract checker."""
from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from server_fixtures import CLIENT, noise_image
from fakescope.server.errors import ApiError
from fakescope.server.media.guard import check_url, guarded_session, ip_allowed

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def test_web_page_origin_is_refused_before_any_work(strict_server):
    r = strict_server.post_json({"url": "https://example.org/a.jpg"}, headers={"Origin": "https://evil.test"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_origin"
    assert "Access-Control-Allow-Origin" not in r.headers
    total = requests.get(strict_server.url + "/api/v1/checks", timeout=10).json()["total"]
    assert total == 0 or all(c["source"]["url"] != "https://example.org/a.jpg"
                             for c in requests.get(strict_server.url + "/api/v1/checks", timeout=10).json()["items"])


def test_extension_origin_gets_cors(strict_server):
    pre = requests.options(strict_server.url + "/api/v1/checks", timeout=10, headers={
        "Origin": EXT, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert pre.headers.get("Access-Control-Allow-Origin") == EXT
    r = requests.get(strict_server.url + "/api/v1/health", headers={"Origin": "moz-extension://1234-abcd"}, timeout=10)
    assert r.status_code == 200 and r.headers.get("Access-Control-Allow-Origin") == "moz-extension://1234-abcd"
    evil = requests.options(strict_server.url + "/api/v1/checks", timeout=10, headers={
        "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
    assert evil.headers.get("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize("host", ["evil.test:{port}", "127.0.0.1:1", "192.168.1.5:{port}"])
def test_foreign_host_is_refused(strict_server, host):
    r = requests.get(strict_server.url + "/api/v1/health", headers={"Host": host.format(port=strict_server.port)},
                     timeout=10)
    assert r.status_code == 421 and r.json()["error"]["code"] == "forbidden_host"


def test_loopback_names_are_accepted(strict_server):
    for host in ("localhost", "127.0.0.1"):
        r = requests.get(strict_server.url + "/api/v1/health", headers={"Host": f"{host}:{strict_server.port}"},
                         timeout=10)
        assert r.status_code == 200


def test_simple_cross_site_posts_are_refused(strict_server):
    form = requests.post(strict_server.url + "/api/v1/checks", data={"url": "https://example.org/a.jpg"}, timeout=10)
    text = requests.post(strict_server.url + "/api/v1/checks", data="{}", headers={"Content-Type": "text/plain"},
                         timeout=10)
    upload = requests.post(strict_server.url + "/api/v1/checks", files={"media": ("a.jpg", noise_image(1))},
                           timeout=10)  # multipart without X-FakeScope-Client
    assert form.status_code == 415 and text.status_code == 415
    assert upload.status_code == 400 and "X-FakeScope-Client" in upload.json()["error"]["message"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a.jpg", "http://localhost/a.jpg", "http://10.0.0.1/a.jpg",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::1]/a.jpg",
                                 "http://0.0.0.0/a.jpg", "http://224.0.0.1/a.jpg", "http://[::ffff:192.168.0.1]/"])
def test_private_targets_are_refused(strict_server, url):
    r = strict_server.post_json({"url": url, "kind": "image"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_address"
    r = strict_server.post_json({"page_url": url})
    assert r.status_code == 403


def test_guard_rules():
    assert ip_allowed("93.184.216.34") and not ip_allowed("192.168.1.1") and ip_allowed("192.168.1.1", True)
    assert not ip_allowed("169.254.169.254", True) and not ip_allowed("fe80::1", True)
    with pytest.raises(ApiError) as exc:
        check_url("ftp://example.org/x")
    assert exc.value.code == "bad_request"


def test_connect_time_peer_check_beats_rebinding(media_server):
    # No pre-resolution here: only the socket-level check stands between the session and 127.0.0.1,
    # which is what a DNS answer that changes between check and connect would reach.
    with pytest.raises(ApiError) as exc:
        guarded_session(allow_private=False).get(media_server + "/noise.jpg", timeout=5)
    assert exc.value.code == "forbidden_address"
    assert guarded_session(allow_private=True).get(media_server + "/noise.jpg", timeout=5).status_code == 200


def test_shared_contract_checker(strict_server, repo_root):
    from shared_tools import shared_tool

    tool = shared_tool("tools/check_api_contract.py")
    proc = subprocess.run([sys.executable, str(tool), strict_server.url, str(strict_server.tmpdir)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout
    assert CLIENT  # the checker sends its own client header
