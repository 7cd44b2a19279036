"""Address guard: the server never downloads from loopback, private, link-local, multicast, reserved or
unspecified addresses. Checked twice: after DNS resolution (clear error before any traffic) and on the
socket actually connected (beats DNS rebinding: a second lookup that answers 127.0.0.1 is still caught)."""
from __future__ import annotations

import ipaddress
import socket
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import ApiError


def ip_allowed(ip: str, allow_private: bool = False) -> bool:
    """Public unicast addresses always; private and loopback only when explicitly allowed. Link-local
    (cloud metadata at 169.254.169.254), multicast, reserved and unspecified are never allowed."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    if addr.is_link_local or addr.is_multicast or addr.is_unspecified or addr.is_reserved:
        return False
    if addr.is_global:
        return True
    return allow_private and (addr.is_private or addr.is_loopback)


# The one switch that lets the server fetch from private addresses (named in every refusal).
ALLOW_SETTING = "--allow-private-addresses or FAKESCOPE_ALLOW_PRIVATE_ADDRESSES=1"


def forbidden(host: str, ip: str) -> ApiError:
    return ApiError("forbidden_address", f"refusing to download from {host} ({ip}): not a public address "
                    f"(to allow your own network, start the server with {ALLOW_SETTING})", host=host,
                    setting=ALLOW_SETTING)


def check_url(url: str, allow_private: bool = False) -> list[str]:
    """Validate scheme and host of `url` and every address it resolves to; return those addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ApiError("bad_request", f"only http and https URLs can be checked, not {parts.scheme or 'none'!r}")
    host = parts.hostname
    if not host:
        raise ApiError("bad_request", "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ApiError("bad_request", "the URL has an invalid port") from None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ApiError("download_failed", f"cannot resolve {host}: {exc}", upstream_status=None) from None
    ips = sorted({info[4][0] for info in infos})
    for ip in ips:  # every answer must pass: the connection may use any of them
        if not ip_allowed(ip, allow_private):
            raise forbidden(host, ip)
    return ips


class _PeerChecked:
    """Mixin for urllib3 connections: verify the connected peer's address before sending a byte."""

    allow_private = False

    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not ip_allowed(peer, self.allow_private):
            sock.close()
            # ApiError is not an OSError, so urllib3 and requests let it through unwrapped.
            raise forbidden(self.host, peer)
        return sock


class GuardedAdapter(HTTPAdapter):
    """requests adapter whose connections are peer-checked; no retries (a retry would be a second fetch)."""

    def __init__(self, allow_private: bool = False):
        self.allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        attrs = {"allow_private": self.allow_private}
        http_conn = type("GuardedHTTPConnection", (_PeerChecked, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_PeerChecked, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


def guarded_session(allow_private: bool = False) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy from the environment: a proxy would fetch on our behalf, unguarded
    adapter = GuardedAdapter(allow_private)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


# yt-dlp does its own networking (redirects, embeds, fragments), out of reach of the guarded session.
# While it runs, name resolution on that thread drops forbidden addresses, so every connection it opens
# goes only to allowed ones: redirects and DNS rebinding included. Other threads are untouched.
GUARD_REFUSAL = "FakeScope address guard"
_resolver = threading.local()
_system_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    results = _system_getaddrinfo(host, port, *args, **kwargs)
    allow = getattr(_resolver, "allow_private", None)
    if allow is None:
        return results
    kept = [r for r in results if ip_allowed(str(r[4][0]), allow)]
    if not kept:
        raise socket.gaierror(socket.EAI_NONAME, f"{GUARD_REFUSAL}: {host} is not a public address")
    return kept


@contextmanager
def guarded_resolution(allow_private: bool = False):
    """Within the block, on the calling thread, host lookups return only allowed addresses (a host with
    none fails to resolve with a message containing GUARD_REFUSAL)."""
    socket.getaddrinfo = _guarded_getaddrinfo  # idempotent; inactive on threads outside such a block
    previous = getattr(_resolver, "allow_private", None)
    _resolver.allow_private = allow_private
    try:
        yield
    finally:
        _resolver.allow_private = previous
