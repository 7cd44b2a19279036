"""Every error leaves the server as JSON {"error": {"code", "message", ...}} with a fitting status."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import ApiError, disk_full

log = logging.getLogger("fakescope.api")
_HTTP_CODES = {404: "not_found", 413: "too_large", 415: "unsupported_media", 429: "busy"}


def error_response(err: ApiError):
    resp = jsonify({"error": err.to_dict()})
    resp.status_code = err.status
    if err.code == "busy":
        resp.headers["Retry-After"] = str(err.extra.get("retry_after", 5))
    return resp


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = _HTTP_CODES.get(exc.code or 500, "bad_request" if (exc.code or 500) < 500 else "internal")
        message = exc.description or exc.name
        if exc.code == 413:
            message = "the upload is larger than the server accepts"
        return error_response(ApiError(code, message, status=exc.code))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        full = disk_full(exc)  # e.g. an upload that fills the disk while it is saved
        if full is not None:
            log.warning("%s (%s)", full.message, exc)
            return error_response(full)
        log.exception("unhandled error")
        return error_response(ApiError("internal", "internal server error; see the server log"))
