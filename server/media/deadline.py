"""Whole-transfer deadlines on the calling thread.

A socket read timeout only bounds the gap between two packets: a server that drips one byte a second
never trips it, and a buffered read (urllib3 fills a whole chunk, yt-dlp reads a whole page) never
returns to code that could look at a clock. Inside `within(seconds)`, every socket read on this thread
first checks the deadline and fails with a TimeoutError once it has passed, so a download or a yt-dlp
extraction ends at most one read timeout after its deadline, whatever the peer does. Reads on other
threads (the HTTP server's own sockets included) only pay one thread-local lookup."""
from __future__ import annotations

import socket
import ssl
import threading
import time
from contextlib import contextmanager

MARK = "FakeScope deadline"
_state = threading.local()
_lock = threading.Lock()
_installed = False


class DeadlineExceeded(TimeoutError):
    """Raised by a socket read after the thread's deadline (a TimeoutError, so HTTP stacks treat it as one)."""


def _guard(original):
    def read(self, *args, **kwargs):
        end = getattr(_state, "end", None)
        if end is not None and time.monotonic() > end:
            raise DeadlineExceeded(f"{MARK}: timed out after {_state.seconds:g} s")
        return original(self, *args, **kwargs)

    read.__wrapped__ = original
    return read


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        for cls in (socket.socket, ssl.SSLSocket):
            for name in ("recv", "recv_into"):
                setattr(cls, name, _guard(getattr(cls, name)))
        _installed = True


@contextmanager
def within(seconds: float):
    """Within the block, socket reads on this thread fail once `seconds` have passed (nested blocks keep
    the earlier deadline)."""
    _install()
    previous = getattr(_state, "end", None), getattr(_state, "seconds", None)
    end = time.monotonic() + seconds
    if previous[0] is None or end < previous[0]:
        _state.end, _state.seconds = end, seconds
    try:
        yield
    finally:
        _state.end, _state.seconds = previous


def expired() -> bool:
    """True inside a `within` block whose deadline has passed."""
    end = getattr(_state, "end", None)
    return end is not None and time.monotonic() > end
