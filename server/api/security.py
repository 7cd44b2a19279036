"""Request-safety rules, applied before any work:
- Host must be this server's own loopback name and port (defeats DNS rebinding from a web page).
- An Origin header, when present, must be a browser extension (web pages are refused; CLI sends none).
- POST bodies must be JSON, or multipart carrying X-FakeScope-Client: a web page cannot send either
  cross-site without a CORS preflight, which it does not get.
- A cross-site embed (<script>, <img>, <link>: Sec-Fetch-Mode no-cors, which carries no Origin) is refused,
  and every answer says nosniff and same-origin resource policy, so no page can pull JSON in by tag.
CORS grants go to chrome-extension:// and moz-extension:// origins only."""
from __future__ import annotations

import re

from flask import Flask, request
from flask_cors import CORS

from ..errors import ApiError

EXTENSION_ORIGIN = re.compile(r"^(chrome|moz)-extension://[A-Za-z0-9\-]+/?$")
CLIENT_HEADER = "X-FakeScope-Client"


def allowed_hosts(host: str, port: int) -> set[str]:
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("0.0.0.0", "::", ""):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{n}:{port}".lower() for n in names}


def install_security(app: Flask, host: str, port: int) -> None:
    hosts = allowed_hosts(host, port)

    @app.before_request
    def _guard():
        if (request.host or "").lower() not in hosts:
            raise ApiError("forbidden_host", f"requests must address this server as 127.0.0.1:{port} or "
                           f"localhost:{port}")
        origin = request.headers.get("Origin")
        if origin is not None and not EXTENSION_ORIGIN.match(origin):
            raise ApiError("forbidden_origin", "requests from web pages are refused; use the FakeScope extension")
        if origin is None and request.headers.get("Sec-Fetch-Mode") == "no-cors" and \
                request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
            raise ApiError("forbidden_origin", "requests from web pages are refused; use the FakeScope extension")
        if request.method == "POST":
            ctype = request.mimetype or ""
            if ctype == "application/json":
                return None
            if ctype == "multipart/form-data":
                if not request.headers.get(CLIENT_HEADER):
                    raise ApiError("bad_request", f"multipart uploads need the {CLIENT_HEADER} header")
                return None
            raise ApiError("bad_request", "POST bodies must be application/json or multipart/form-data",
                           status=415)
        return None

    @app.after_request
    def _no_embedding(resp):
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    CORS(app, resources={r"/api/*": {"origins": [EXTENSION_ORIGIN]}},
         methods=["GET", "POST", "DELETE", "OPTIONS"], allow_headers=["Content-Type", CLIENT_HEADER],
         expose_headers=["Retry-After"], max_age=600)
