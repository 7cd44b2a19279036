"""A small JSON client for the FakeScope API on the standard library (http.client), for `fakescope check`.

One keep-alive connection carries the health probe, the upload and every long-poll, and importing it costs
nothing (requests alone takes ~60 ms to import, a tenth of the CLI's whole budget)."""
from __future__ import annotations

import http.client
import json
import mimetypes
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit


class ApiUnreachable(OSError):
    """Nothing answers at the address (refused, reset, timed out, not HTTP)."""


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        """The decoded JSON body, or None when the body is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Api:
    def __init__(self, base: str, timeout: float = 5.0):
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) server address: {base}")
        self.base = base.rstrip("/")
        self._prefix = parts.path.rstrip("/")
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._conn = cls(parts.hostname, parts.port, timeout=timeout)

    def request(self, method: str, path: str, *, params: dict | None = None, body: bytes | None = None,
                headers: dict | None = None, timeout: float | None = None) -> Response:
        url = self._prefix + path + (f"?{urlencode(params)}" if params else "")
        for attempt in (0, 1):  # a keep-alive connection the server closed meanwhile: reconnect once
            try:
                if self._conn.sock is None:
                    self._conn.connect()
                if timeout is not None:
                    self._conn.sock.settimeout(timeout)
                self._conn.request(method, url, body=body, headers=headers or {})
                r = self._conn.getresponse()
                return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            except (http.client.HTTPException, ConnectionError) as exc:
                self._conn.close()
                if attempt:
                    raise ApiUnreachable(str(exc) or type(exc).__name__) from None
            except OSError as exc:  # refused, timed out, unreachable
                self._conn.close()
                raise ApiUnreachable(exc.strerror or str(exc) or type(exc).__name__) from None
        raise AssertionError("unreachable")

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post_json(self, path: str, payload: dict, **kw) -> Response:
        return self.request("POST", path, body=json.dumps(payload).encode(),
                            headers={"Content-Type": "application/json", **kw.pop("headers", {})}, **kw)

    def post_file(self, path: str, file: Path, fields: dict, headers: dict, **kw) -> Response:
        """multipart/form-data: the text `fields`, then the file as field "media"."""
        boundary = uuid.uuid4().hex
        name = file.name.replace('"', "%22").replace("\r", " ").replace("\n", " ")
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{name}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode())
        body = b"".join(parts) + file.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", **headers}, **kw)

    def close(self) -> None:
        self._conn.close()
