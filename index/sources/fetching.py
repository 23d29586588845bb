"""Download pages, files and feeds safely. This module alone talks to httpx for ingest.

Every hop is checked before it is fetched: redirects are followed here, one at a time, and each
host is resolved and refused when any of its addresses is loopback, private, link-local (cloud
metadata lives at 169.254.169.254), reserved or otherwise not public, unless the operator allowed
that host. Otherwise an admin's `/ingest` (or a feed entry, or a public page that redirects)
could read internal services, and every user could then ask the bot to quote them.

The body is streamed and stopped at a size cap, and the whole exchange (connecting, the headers,
the body, every redirect) runs under one deadline, so a huge download, or a server that drips
its headers or its body a byte at a time, fails within the deadline instead of holding an ingest
or a feed poll. httpx's own timeouts are per read: a byte every few seconds never trips them, so
the exchange runs on its own small event loop, where a deadline cancels whatever it waits on.
"""

import asyncio
import concurrent.futures
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import DownloadFailed, UnsupportedDocument

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
        """Download `url`; raise UnsupportedDocument (with a reason) when it is refused, fails or
        takes longer than the deadline in all."""
        exchange = self._get(url, {"User-Agent": USER_AGENT, **(headers or {})})
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(exchange)
        with concurrent.futures.ThreadPoolExecutor(1) as worker:  # called from a coroutine: its own loop
            return worker.submit(asyncio.run, exchange).result()

    async def _get(self, url: str, headers: dict[str, str]) -> Fetched:
        timeout = httpx.Timeout(min(10.0, self.deadline))
        try:
            async with asyncio.timeout(self.deadline):
                async with httpx.AsyncClient(follow_redirects=False, timeout=timeout) as client:
                    for _ in range(self.max_redirects + 1):
                        self.check(url)
                        try:
                            fetched = await self._stream(client, url, headers)
                        except httpx.HTTPError as error:
                            raise DownloadFailed(f"{url}: could not download ({error})") from error
                        location = fetched.headers.get("location")
                        if fetched.status in (301, 302, 303, 307, 308) and location:
                            url = urljoin(url, location)
                            continue
                        return fetched
        except TimeoutError:
            raise DownloadFailed(f"{url}: took longer than {self.deadline:.0f} s to download") from None
        raise UnsupportedDocument(f"{url}: more than {self.max_redirects} redirects")

    async def _stream(self, client: httpx.AsyncClient, url: str, headers: dict) -> Fetched:
        body = bytearray()
        async with client.stream("GET", url, headers=headers) as response:
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.max_bytes:
                raise UnsupportedDocument(f"{url}: larger than {self.max_bytes // 2**20} MB ({declared:,} bytes)")
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise UnsupportedDocument(f"{url}: larger than {self.max_bytes // 2**20} MB")
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
            raise DownloadFailed(f"{url}: could not download (cannot resolve {host}: {error})") from error
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            mapped = getattr(address, "ipv4_mapped", None)
            if not (mapped or address).is_global:
                raise UnsupportedDocument(
                    f"{url}: refusing to fetch from {host} ({address}), a private or local address. "
                    f"An operator can allow it with {ALLOW_SETTING}={host}")


def expect_ok(fetched: Fetched) -> Fetched:
    """Raise UnsupportedDocument unless the server answered with success."""
    if fetched.status >= 500 or fetched.status in (408, 429):  # the server's trouble, or "later"
        raise DownloadFailed(f"{fetched.url}: could not download (the server answered {fetched.status})")
    if fetched.status >= 400:
        raise UnsupportedDocument(f"{fetched.url}: could not download (the server answered {fetched.status})")
    return fetched
