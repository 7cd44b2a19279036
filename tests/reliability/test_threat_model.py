"""The threat model of SECURITY.md, as a web page's script would try it: a page (Origin http://evil.test)
cannot start a check, read a result, the history or give feedback, by simple request, preflight or a
cross-site embed; a DNS-rebinding request (Host: evil.test:<port>) is refused; no answer to a page carries
data or a CORS grant."""
from __future__ import annotations

import pytest
import requests

from server_fixtures import CLIENT, noise_image

EVIL = "http://evil.test"
EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
PAGE_ORIGINS = [EVIL, "null", "http://127.0.0.1:8080", "https://chrome-extension.evil.test",
                "chrome-extension://abc/../evil", "file://"]


@pytest.fixture(scope="module")
def seeded(strict_rel_server):
    """One finished check with feedback, made by a legitimate client (no Origin, like the CLI)."""
    srv = strict_rel_server
    done = srv.wait(srv.upload(noise_image(61)).json()["id"])
    fb = requests.post(srv.url + "/api/v1/feedback", json={"check_id": done["id"], "label": "real",
                                                           "comment": "private note"}, timeout=10)
    assert fb.status_code == 201
    return srv, done


def _requests(srv, check_id: str):
    """Every API call a page would want, as (method, path, kwargs)."""
    return [
        ("POST", "/api/v1/checks", {"json": {"url": "https://example.org/a.jpg"}}),
        ("POST", "/api/v1/checks", {"data": '{"url": "https://example.org/a.jpg"}',
                                    "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/api/v1/checks", {"files": {"media": ("a.jpg", noise_image(62))}, "headers": dict(CLIENT)}),
        ("GET", f"/api/v1/checks/{check_id}", {}),
        ("GET", "/api/v1/checks", {}),
        ("DELETE", f"/api/v1/checks/{check_id}", {}),
        ("POST", "/api/v1/feedback", {"json": {"check_id": check_id, "label": "fake"}}),
    ]


def _send(srv, method, path, kw, extra_headers):
    headers = {**kw.get("headers", {}), **extra_headers}
    return requests.request(method, srv.url + path, timeout=10, **{**kw, "headers": headers})


def _state(srv, check_id):
    history = requests.get(srv.url + "/api/v1/checks", params={"limit": 100}, timeout=10).json()
    return history["total"], requests.get(f"{srv.url}/api/v1/checks/{check_id}", timeout=10).json()


def _leaks_nothing(resp, secrets: list[str]):
    assert "Access-Control-Allow-Origin" not in resp.headers, resp.headers
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert all(s not in resp.text for s in secrets), resp.text[:300]


@pytest.mark.parametrize("origin", PAGE_ORIGINS)
def test_a_page_can_neither_act_nor_read(seeded, origin):
    srv, done = seeded
    before = _state(srv, done["id"])
    secrets = [done["id"], done["result"]["media"]["sha256"], "private note"]
    for method, path, kw in _requests(srv, done["id"]):
        r = _send(srv, method, path, kw, {"Origin": origin})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_origin", (method, path, r.text)
        _leaks_nothing(r, secrets[:2] if path.endswith(done["id"]) else secrets)
    assert _state(srv, done["id"]) == before  # nothing started, cancelled or changed


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/checks", "/api/v1/checks/{id}", "/api/v1/feedback"])
def test_preflight_from_a_page_gets_no_grant(seeded, method, path):
    srv, done = seeded
    r = requests.options(srv.url + path.format(id=done["id"]), timeout=10, headers={
        "Origin": EVIL, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type,x-fakescope-client"})
    assert "Access-Control-Allow-Origin" not in r.headers and "Access-Control-Allow-Methods" not in r.headers
    ok = requests.options(srv.url + path.format(id=done["id"]), timeout=10, headers={
        "Origin": EXT, "Access-Control-Request-Method": method})
    assert ok.headers.get("Access-Control-Allow-Origin") == EXT  # the extension does get one


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_embeds_are_refused(seeded, site):
    """<script src>, <img src>, <link href> send no Origin; browsers mark them Sec-Fetch-Mode: no-cors."""
    srv, done = seeded
    for path in ("/api/v1/checks", f"/api/v1/checks/{done['id']}", "/api/v1/health"):
        r = requests.get(srv.url + path, timeout=10, headers={"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": site,
                                                              "Sec-Fetch-Dest": "script"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_origin", (path, r.text)
        _leaks_nothing(r, [done["result"]["media"]["sha256"], "private note"])


def test_every_answer_forbids_sniffing_and_embedding(seeded):
    srv, done = seeded
    for path in ("/api/v1/health", "/api/v1/checks", f"/api/v1/checks/{done['id']}", "/api/v1/nope"):
        r = requests.get(srv.url + path, timeout=10)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert r.headers["Content-Type"].startswith("application/json")
    # the user's own tab (a navigation, same-origin) and the CLI still read everything
    nav = requests.get(srv.url + "/api/v1/checks", timeout=10, headers={"Sec-Fetch-Mode": "navigate",
                                                                        "Sec-Fetch-Site": "none"})
    assert nav.status_code == 200 and nav.json()["total"] >= 1


@pytest.mark.parametrize("host", ["evil.test:{port}", "evil.test", "127.0.0.1.evil.test:{port}",
                                  "localhost.:{port}", "127.0.0.1:{other}"])
def test_dns_rebinding_is_refused(seeded, host):
    srv, done = seeded
    header = host.format(port=srv.port, other=srv.port + 1)
    for method, path, kw in _requests(srv, done["id"]) + [("GET", "/api/v1/health", {})]:
        r = _send(srv, method, path, kw, {"Host": header})
        assert r.status_code == 421 and r.json()["error"]["code"] == "forbidden_host", (header, path, r.text)
        _leaks_nothing(r, [done["id"], done["result"]["media"]["sha256"], "private note"])


def test_the_extension_still_works(seeded):
    srv, done = seeded
    r = requests.get(f"{srv.url}/api/v1/checks/{done['id']}", headers={"Origin": EXT}, timeout=10)
    assert r.status_code == 200 and r.headers.get("Access-Control-Allow-Origin") == EXT
    assert r.json()["result"]["score"] == done["result"]["score"]
