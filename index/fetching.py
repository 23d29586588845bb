"""Download pages, files and feeds safely. This module alone talks to httpx for ingest.

Every hop is checked before it is fetched: redirects are followed here, one at a time, and each
host is resolved and refused when any of its addresses is loopback, private, link-local (cloud
metadata lives at 169.254.169.254), reserved or otherwise not public, unless the operator allowed
that host. Otherwise an admin's `/ingest` (or a feed entry, or a public page that redirects)
could read internal services, and every user could then ask the bot to quote them.

The body is streamed and stopped at a size cap and a total deadline, so a huge or dripping
download fails within seconds instead of holding an ingest or a feed poll.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import UnsupportedDocument

USER_AGENT = "Verbatim/0.1 (+document ingest)"
ALLOW_SETTING = "VERBATIM_ALLOW_PRIVATE_HOSTS"


@dataclass(frozen=True)
class Fetched:
    """A finished download: where it ended up, its status, headers and body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes


@dataclass(frozen=True)
class Fetcher:
    """How downloads are made: which non-public hosts are allowed, and the limits."""

    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = 20 * 2**20
    deadline: float = 30.0  # seconds for a whole download, redirects included
    max_redirects: int = 5

    def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """Download `url`; raise UnsupportedDocument (with a reason) when it is refused or fails."""
        started = time.monotonic()
        headers = {"User-Agent": USER_AGENT, **(headers or {})}
        timeout = httpx.Timeout(min(10.0, self.deadline))
        with httpx.Client(follow_redirects=False, timeout=timeout) as client:
            for _ in range(self.max_redirects + 1):
                self.check(url)
                try:
                    fetched = self._stream(client, url, headers, started)
                except httpx.HTTPError as error:
                    raise UnsupportedDocument(f"{url}: could not download ({error})") from error
                location = fetched.headers.get("location")
                if fetched.status in (301, 302, 303, 307, 308) and location:
                    url = urljoin(url, location)
                    continue
                return fetched
        raise UnsupportedDocument(f"{url}: more than {self.max_redirects} redirects")

    def _stream(self, client: httpx.Client, url: str, headers: dict, started: float) -> Fetched:
        body = bytearray()
        with client.stream("GET", url, headers=headers) as response:
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.max_bytes:
                raise UnsupportedDocument(f"{url}: larger than {self.max_bytes // 2**20} MB ({declared:,} bytes)")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise UnsupportedDocument(f"{url}: larger than {self.max_bytes // 2**20} MB")
                if time.monotonic() - started > self.deadline:
                    raise UnsupportedDocument(f"{url}: took longer than {self.deadline:.0f} s to download")
            return Fetched(str(response.url), response.status_code,
                           {k.lower(): v for k, v in response.headers.items()}, bytes(body))

    def check(self, url: str) -> None:
        """Refuse a URL that is not http(s), or whose host resolves to a non-public address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsupportedDocument(f"{url}: only http and https addresses can be fetched")
        host = parts.hostname.lower()
        if host in self.allowed_hosts:
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise UnsupportedDocument(f"{url}: could not download (cannot resolve {host}: {error})") from error
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            mapped = getattr(address, "ipv4_mapped", None)
            if not (mapped or address).is_global:
                raise UnsupportedDocument(
                    f"{url}: refusing to fetch from {host} ({address}), a private or local address. "
                    f"An operator can allow it with {ALLOW_SETTING}={host}")


def expect_ok(fetched: Fetched) -> Fetched:
    """Raise UnsupportedDocument unless the server answered with success."""
    if fetched.status >= 400:
        raise UnsupportedDocument(f"{fetched.url}: could not download (the server answered {fetched.status})")
    return fetched
