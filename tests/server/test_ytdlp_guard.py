"""yt-dlp fetches redirects and embeds itself; the thread-scoped resolver guard must stop it reaching a
forbidden address it was never handed directly (here: a page that redirects to cloud metadata)."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fakescope.server.errors import ApiError
from fakescope.server.media.guard import GUARD_REFUSAL, guarded_resolution
from fakescope.server.media.ytdlp import fetch_page_media


class _Redirector(BaseHTTPRequestHandler):
    def do_GET(self):  # every page moves to the link-local metadata address
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/page.html")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def redirecting_site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/watch.html"
    httpd.shutdown()


def test_redirect_inside_ytdlp_to_metadata_address_is_refused(redirecting_site, tmp_path):
    # allow_private=True lets the loopback fixture through; link-local stays forbidden regardless.
    t = time.monotonic()
    with pytest.raises(ApiError) as err:
        fetch_page_media(redirecting_site, tmp_path, max_bytes=10_000_000, max_seconds=60, allow_private=True,
                         socket_timeout=20)
    assert err.value.code == "forbidden_address"
    assert time.monotonic() - t < 15, "refused at resolution, not after a connect timeout"
    assert list(tmp_path.iterdir()) == []


def test_resolver_guard_is_scoped_to_the_block_and_thread():
    with guarded_resolution(allow_private=False):
        with pytest.raises(socket.gaierror, match=GUARD_REFUSAL):
            socket.getaddrinfo("127.0.0.1", 80)
        seen = []
        other = threading.Thread(target=lambda: seen.append(socket.getaddrinfo("127.0.0.1", 80)))
        other.start()
        other.join()
        assert seen and seen[0][0][4][0] == "127.0.0.1"  # other threads are untouched
    with guarded_resolution(allow_private=True):
        assert socket.getaddrinfo("127.0.0.1", 80)
        with pytest.raises(socket.gaierror, match=GUARD_REFUSAL):
            socket.getaddrinfo("169.254.169.254", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)  # outside any block: plain resolution
