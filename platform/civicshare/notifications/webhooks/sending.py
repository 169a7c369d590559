"""Sending one signed webhook: Standard Webhooks headers, short timeouts, and only to checked addresses.

The HTTP client (`http1.KeepAliveClient`: a lean HTTP/1.1 client with kept-alive connections, since a
job worker sends many small POSTs to few hosts) connects only to addresses the target policy checked
when the connection is made; an address written into the URL is checked before sending. TLS verifies
the certificate against the endpoint's host name. Redirects are not followed (a 3xx is a failed
delivery): following one would send the event somewhere the council never registered. No proxy is
used (a proxy would connect on our behalf, to addresses nobody checked).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from civicshare.notifications.webhooks.http1 import (
    Answer,
    AnswerLost,
    KeepAliveClient,
    NotHttp,
    Origin,
    Target,
    TimedOut,
)
from civicshare.notifications.webhooks.targets import TargetPolicy, TargetRefused

RESPONSE_EXCERPT_CHARS = 500
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


class GuardedClient:
    """An HTTP client sending only to addresses the target policy allows."""

    def __init__(self, policy: TargetPolicy, timeouts: Timeouts, max_connections: int = 50) -> None:
        self.policy = policy
        self.timeouts = timeouts
        self.max_connections = max_connections
        self._http = KeepAliveClient(
            self._addresses,
            connect_seconds=timeouts.connect,
            read_seconds=timeouts.read,
            user_agent=USER_AGENT,
            max_idle=max_connections,
        )

    async def _addresses(self, origin: Origin) -> list[str]:
        """Every address the host has, each checked against the policy (TargetRefused otherwise)."""
        return [str(address) for address in await self.policy.addresses_for(origin.host, origin.port)]

    def target(self, url: str) -> Target:
        """Where the URL's POSTs go; TargetRefused for a URL or an address written in it that may not be used."""
        return _target(self.policy, url)

    async def post(self, url: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        return await self._http.post(self.target(url), headers, body)

    async def aclose(self) -> None:
        await self._http.aclose()


@functools.lru_cache(maxsize=4096)
def _target(policy: TargetPolicy, url: str) -> Target:
    host, port = policy.check_url(url)
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and (reason := policy.refusal(literal)) is not None:
        raise TargetRefused(f"{reason}: webhooks are sent only to public internet addresses")
    return Target.of(urlsplit(url), host, port)


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
    headers = [
        ("content-type", "application/json"),
        ("webhook-id", message_id),
        ("webhook-timestamp", str(int(sent_at.timestamp()))),
        ("webhook-signature", _signer(secret).sign(message_id, sent_at, body)),
    ]
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(total_seconds):
            answer = await client.post(url, headers, body)
        status = answer.status
        excerpt = answer.body.decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
    except TargetRefused as refused:
        error = f"refused: {refused}"
    except TimedOut as timed_out:
        error = f"timed out: {timed_out}"
    except TimeoutError:
        error = f"timed out: no complete answer within {total_seconds:g} s"
    except ssl.SSLError as failed:
        error = f"could not connect securely: {failed.reason or failed}"
    except (AnswerLost, NotHttp) as failed:
        error = str(failed)
    except OSError as failed:
        error = f"could not connect: {failed.strerror or failed}"
    duration_ms = round((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300 and error is None:
        error = f"answered {status}"
    return Attempt(status_code=status, duration_ms=duration_ms, response_excerpt=excerpt, error=error)


@functools.lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    """One signer per endpoint secret (decoding the secret once, not on every POST)."""
    return Webhook(secret)
