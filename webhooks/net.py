"""POST to an admin-given URL without letting it reach inside our network (SSRF).

The host is resolved once; every address it resolves to must be public (not loopback, private,
link-local, shared, reserved or multicast) unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS`` is set; then we
connect to the address we checked, so a DNS answer that changes between check and use (rebinding)
reaches nothing new. TLS still verifies the certificate for the host name. Redirects are never
followed (a 3xx is a failed try), every socket operation has a timeout, and at most a few KB of the
answer are read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

READ_LIMIT = 4096


class Refused(Exception):
    """The target is not one we send to (scheme, address); retrying will not help."""


class Unreachable(Exception):
    """DNS, connection or timeout failure; a later try may work."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


def _allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address) for ``url``, or Refused / Unreachable."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:100]}")
    if parts.username or parts.password:
        raise Refused("credentials in the URL are not sent")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unreachable(f"cannot resolve {parts.hostname}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        # Every answer must be public: a name with one public and one private record is refused.
        bad = [a for a in addresses if not _allowed(ipaddress.ip_address(a.split("%")[0]))]
        if bad:
            raise Refused(f"{parts.hostname} resolves to a non-public address ({bad[0]})")
    return parts.scheme, parts.hostname, port, addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # verifies the name


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """One POST to the checked address. Returns the answer (any status); raises Refused or Unreachable."""
    scheme, host, port, address = resolve(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = cls(host, port, address, timeout)
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = conn.getresponse()
        text = response.read(READ_LIMIT).decode("utf-8", "replace")
        return Answer(status=response.status, body=text)
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, TLS errors, bad answers
        raise Unreachable(f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        conn.close()
