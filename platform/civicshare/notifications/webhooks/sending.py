"""Sending one signed webhook: Standard Webhooks headers, short timeouts, and only to checked addresses.

The HTTP client (aiohttp: several times the rate of httpx for many small POSTs, which is what a job
worker sends) resolves host names through `GuardedResolver`, which checks every address against the
target policy, so a connection is only ever made to an address that was checked; an address written
into the URL is checked before sending. TLS still verifies the certificate against the endpoint's host
name. Redirects are not followed (a 3xx is a failed delivery): following one would send the event
somewhere the council never registered. No proxy from the environment is used (a proxy would connect
on our behalf, to addresses nobody checked).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from standardwebhooks import Webhook

from civicshare.notifications.webhooks.targets import TargetPolicy, TargetRefused

RESPONSE_EXCERPT_CHARS = 500
_READ_AT_MOST_BYTES = 4096
USER_AGENT = "civicshare-webhooks/1"
_CHECKED_URLS_KEPT = 4096


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `total` bounds the whole attempt: a receiver trickling its answer byte by byte would
    otherwise reset the read timeout forever."""

    connect: float = 3.0
    read: float = 5.0
    total: float = 10.0


@dataclass(frozen=True)
class Attempt:
    """What happened when an event was sent to an endpoint once."""

    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class GuardedResolver(AbstractResolver):
    """Resolves a host to the addresses the target policy allows, all of them, or refuses it."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._policy.addresses_for(host, port)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


class GuardedClient:
    """An HTTP client sending only to addresses the target policy allows; its session opens on first use
    (in the event loop that sends)."""

    def __init__(self, policy: TargetPolicy, timeouts: Timeouts, max_connections: int = 50) -> None:
        self.policy = policy
        self.timeouts = timeouts
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._refused: dict[str, str | None] = {}

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.policy),
                use_dns_cache=False,
                limit=self.max_connections,
                keepalive_timeout=30.0,
                ssl=ssl.create_default_context(),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None, connect=self.timeouts.connect, sock_read=self.timeouts.read),
                headers={"user-agent": USER_AGENT},
                trust_env=False,
                auto_decompress=False,
            )
        return self._session

    def check_literal_address(self, url: str) -> None:
        """The resolver never sees an address written into the URL: such an address is checked here (the
        answer depends on the URL and the policy alone, so it is kept per URL)."""
        if url not in self._refused:
            if len(self._refused) >= _CHECKED_URLS_KEPT:
                self._refused.clear()
            self._refused[url] = self._refusal_of(url)
        if (refused := self._refused[url]) is not None:
            raise TargetRefused(refused)

    def _refusal_of(self, url: str) -> str | None:
        try:
            host, _port = self.policy.check_url(url)
        except TargetRefused as refused:
            return str(refused)
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return None
        if (reason := self.policy.refusal(literal)) is not None:
            return f"{reason}: webhooks are sent only to public internet addresses"
        return None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def guarded_client(policy: TargetPolicy, timeouts: Timeouts, max_connections: int = 50) -> GuardedClient:
    return GuardedClient(policy, timeouts, max_connections)


async def send_signed(
    client: GuardedClient,
    url: str,
    *,
    secret: str,
    message_id: str,
    body: bytes,
    total_seconds: float,
) -> Attempt:
    """POST the body to the endpoint, signed; never raises for anything the receiver or network does."""
    started = time.monotonic()
    sent_at = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": _signer(secret).sign(message_id, sent_at, body),
    }
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        client.check_literal_address(url)
        async with asyncio.timeout(total_seconds):
            async with client.session().post(url, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                excerpt = await _excerpt(response)
    except TargetRefused as refused:
        error = f"refused: {refused}"
    except aiohttp.ServerTimeoutError as timeout:
        error = f"timed out ({type(timeout).__name__})"
    except TimeoutError:
        error = f"timed out: no complete answer within {total_seconds:g} s"
    except aiohttp.ClientError as failed:
        error = _said(failed)
    duration_ms = round((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300 and error is None:
        error = f"answered {status}"
    return Attempt(status_code=status, duration_ms=duration_ms, response_excerpt=excerpt, error=error)


@functools.lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    """One signer per endpoint secret (decoding the secret once, not on every POST)."""
    return Webhook(secret)


def _said(failed: aiohttp.ClientError) -> str:
    if isinstance(failed, aiohttp.ClientConnectorError):
        return f"could not connect: {failed.os_error.strerror or failed.os_error}"
    return f"{type(failed).__name__}: {failed}" if str(failed) else type(failed).__name__


async def _excerpt(response: aiohttp.ClientResponse) -> str:
    """The start of the answer, bounded however much the receiver sends."""
    taken = bytearray()
    while len(taken) < _READ_AT_MOST_BYTES:
        chunk = await response.content.read(_READ_AT_MOST_BYTES - len(taken))
        if not chunk:
            break
        taken += chunk
    return bytes(taken).decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
