"""The one error type the API speaks: a code from a fixed vocabulary, a message for people, an HTTP status."""
from __future__ import annotations

import errno

STATUS = {
    "bad_request": 400, "unsupported_media": 415, "too_large": 413, "download_failed": 502,
    "timeout": 504, "forbidden_address": 403, "forbidden_origin": 403, "forbidden_host": 421,
    "busy": 429, "not_found": 404, "decode_failed": 422, "internal": 500, "interrupted": 500,
    "disk_full": 507,
}
# A write that failed for lack of room: no space, over quota, or over the process's file-size limit.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class ApiError(Exception):
    """A failure with a stable code. Raised anywhere in acquisition or the pipeline; the API turns it into
    `{"error": {"code", "message", ...extra}}`, and a check that fails after 202 stores the same object."""

    def __init__(self, code: str, message: str, status: int | None = None, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS.get(code, 400)
        self.extra = extra

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


def disk_full(exc: BaseException) -> ApiError | None:
    """The API's error for an OSError that means the disk (or the process's file-size limit) is full, else
    None. Such a failure is the machine's, not the media's: the check fails cleanly and nothing is kept."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return ApiError("disk_full", "the disk is full: the server could not write the media to its temporary "
                        "folder; free some space and try again")
    return None
