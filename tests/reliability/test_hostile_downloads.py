"""Hostile downloads: a server that stalls, one that never stops sending (fast or one byte at a time), one
larger than the cap with and without Content-Length (cut off while streaming), a redirect loop, redirects to
loopback / private / link-local addresses and to a name that resolves to loopback, an HTML error page
served as image/jpeg, and a page whose yt-dlp extraction would never end. Each check ends with a clear error,
within its deadline, while an ordinary check beside it is undisturbed; no temp file is left."""
from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import requests

from fakescope.server.errors import ApiError
from fakescope.server.media import fetch, guard
from reliability_fixtures import REL_ENV, Bystander, assert_clean_outcome, assert_unharmed

DEADLINE = float(REL_ENV["FAKESCOPE_DOWNLOAD_DEADLINE"])
IMAGE_CAP = int(REL_ENV["FAKESCOPE_MAX_IMAGE_BYTES"])
# Time bounds are generous (a loaded 2-core machine): the point is that these end at all; without the
# deadline a drip never does, and the check would still be running when the test gives up.


@pytest.fixture(scope="module")
def bystander(rel_server):
    with Bystander(rel_server) as b:
        yield b


def run_check(srv, body: dict) -> tuple[dict, float]:
    t = time.monotonic()
    resp = srv.post_json(body)
    assert resp.status_code == 202, resp.text
    final = assert_clean_outcome(srv, resp, str(body))
    return final, time.monotonic() - t


@pytest.mark.slow
@pytest.mark.parametrize("path,kind,code,within", [
    ("/stall", "image", "timeout", DEADLINE + 26),                 # headers, then silence: the read timeout
    ("/drip", "image", "timeout", DEADLINE + 26),                  # one byte every 0.2 s, forever: the deadline
    ("/endless", "image", "too_large", 30),                        # never ends, fast: the byte cap
    ("/oversize-announced", "image", "too_large", 30),             # Content-Length above the cap
    ("/oversize-unannounced", "image", "too_large", 30),           # no Content-Length, 50 MB coming
    ("/loop", "auto", "download_failed", 30),                      # redirects to itself
    ("/to?u=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F", "auto", "forbidden_address", 30),  # cloud metadata
    ("/drip-page", "auto", "timeout", DEADLINE + 26),              # an HTML page that never ends
])
def test_hostile_download_ends_cleanly(rel_server, hostile_site, bystander, path, kind, code, within):
    final, took = run_check(rel_server, {"url": hostile_site.url + path, "kind": kind})
    assert final["status"] == "failed" and final["error"]["code"] == code, final
    assert took < within, f"{path} took {took:.1f} s"
    if path in ("/endless", "/oversize-unannounced"):
        assert final["error"]["limit_bytes"] == IMAGE_CAP
        # cut off while streaming: the site got to send only a little beyond the cap (socket buffers)
        assert hostile_site.sent.get(path, 0) < IMAGE_CAP + 8_000_000, hostile_site.sent
    if path == "/oversize-announced":
        assert hostile_site.sent.get(path, 0) < 8_000_000, hostile_site.sent  # refused on the header
    assert requests.get(rel_server.url + "/api/v1/health", timeout=10).json()["status"] == "ok"


@pytest.mark.slow
def test_page_whose_extraction_hangs_times_out(rel_server, hostile_site, bystander):
    final, took = run_check(rel_server, {"page_url": hostile_site.url + "/drip-page", "kind": "video"})
    assert final["status"] == "failed" and final["error"]["code"] == "timeout", final
    assert took < DEADLINE + 26


@pytest.mark.slow
def test_html_error_page_served_as_jpeg(rel_server, hostile_site, bystander):
    final, _ = run_check(rel_server, {"url": hostile_site.url + "/html-error-as-jpeg", "kind": "image"})
    assert final["status"] == "failed" and final["error"]["code"] in ("unsupported_media", "download_failed"), final


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/a.jpg", "http://10.1.2.3/a.jpg", "http://[::1]:9/a.jpg",
                                    "http://169.254.169.254/latest/meta-data/", "http://localhost:9/a.jpg"])
def test_redirect_to_forbidden_address_is_refused(hostile_site, tmp_path, monkeypatch, target):
    """With the default guard. The site is on loopback, so it stands in for a public server for its first hop
    only (the one exception below); the redirect it answers must then be refused on the next hop."""
    real = guard.ip_allowed

    def public_first_hop(ip, allow_private=False):
        return (ip == "127.0.0.1" and not hostile_site.first_hop_done.is_set()) or real(ip, allow_private)

    hostile_site.first_hop_done.clear()
    monkeypatch.setattr(guard, "ip_allowed", public_first_hop)
    with pytest.raises(ApiError) as err:
        fetch.download(f"{hostile_site.url}/to?u={quote(target, safe='')}", tmp_path / "d.bin", max_bytes=10**6, allow_private=False,
                       connect_timeout=2, read_timeout=2, deadline_s=10)
    assert hostile_site.first_hop_done.is_set(), "the first hop was not made"
    assert err.value.code == "forbidden_address" and err.value.status == 403, err.value.to_dict()
    assert not (tmp_path / "d.bin").exists()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_refused_by_the_default_guard(strict_rel_server, hostile_site, host):
    port = hostile_site.url.rsplit(":", 1)[1]
    for body in ({"url": f"http://{host}:{port}/file/jpeg-truncated"}, {"page_url": f"http://{host}:{port}/x"}):
        r = strict_rel_server.post_json(body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_address", r.text
        assert "--allow-private-addresses" in r.json()["error"]["message"]


@pytest.mark.slow
def test_after_the_hostile_downloads(rel_server, bystander):
    assert_unharmed(rel_server, bystander)
