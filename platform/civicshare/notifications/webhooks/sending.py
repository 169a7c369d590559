"""Sending one signed webhook: Standard Webhooks headers, short timeouts, and only to checked addresses.

The HTTP client's connections are opened by `GuardedNetwork`, which resolves the host, checks every
address against the target policy and connects to an address it checked. TLS still verifies the
certificate against the endpoint's host name. Redirects are not followed (a 3xx is a failed delivery):
following one would send the event somewhere the council never registered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx
from standardwebhooks import Webhook

from civicshare.notifications.webhooks.targets import TargetPolicy, TargetRefused

RESPONSE_EXCERPT_CHARS = 500
_READ_AT_MOST_BYTES = 4096
USER_AGENT = "civicshare-webhooks/1"


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


class GuardedNetwork(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the target policy allows, the addresses it checked."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.addresses_for(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks are not sent to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_client(policy: TargetPolicy, timeouts: Timeouts, max_connections: int = 50) -> httpx.AsyncClient:
    """An HTTP client whose every connection goes through `GuardedNetwork`; no proxies from the environment
    (a proxy would connect on our behalf, to addresses nobody checked)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    ssl_context = httpx.create_ssl_context(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30.0,
        network_backend=GuardedNetwork(policy),
    )
    timeout = httpx.Timeout(connect=timeouts.connect, read=timeouts.read, write=timeouts.read, pool=timeouts.connect)
    headers = {"user-agent": USER_AGENT}
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False, headers=headers
    )


async def send_signed(
    client: httpx.AsyncClient,
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
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(total_seconds):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code
                excerpt = await _excerpt(response)
    except TargetRefused as refused:
        error = f"refused: {refused}"
    except TimeoutError:
        error = f"timed out: no complete answer within {total_seconds:g} s"
    except httpx.TimeoutException as timeout:
        error = f"timed out ({type(timeout).__name__})"
    except httpx.HTTPError as failed:
        error = f"{type(failed).__name__}: {failed}" if str(failed) else type(failed).__name__
    duration_ms = round((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300 and error is None:
        error = f"answered {status}"
    return Attempt(status_code=status, duration_ms=duration_ms, response_excerpt=excerpt, error=error)


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, bounded however much the receiver sends."""
    taken = bytearray()
    async for chunk in response.aiter_bytes():
        taken += chunk
        if len(taken) >= _READ_AT_MOST_BYTES:
            break
    return bytes(taken[:_READ_AT_MOST_BYTES]).decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
