"""A small HTTP/1.1 client for what a job worker sends: many small POSTs to few hosts, kept-alive.

A general client (aiohttp was used before) spent most of a webhook delivery's CPU on what a webhook
never needs: cookies, redirects, proxies, content decoding, streaming bodies. This one writes a POST
in one call, reads the answer with httptools' C parser (as uvicorn does) and keeps connections open
per host for the next POSTs (`bench outbox` shows the worker's CPU per delivery).

Connections are made only to addresses the caller checked (`connect` is given them), TLS verifies the
certificate against the host name, redirects are never followed (a 3xx is just an answer), and at
most `READ_AT_MOST_BYTES` of an answer's body are kept: a longer answer closes the connection.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import SplitResult, quote

import httptools

READ_AT_MOST_BYTES = 4096
# A kept-alive connection idle longer than this is closed rather than reused: servers close idle
# connections after a few seconds (uvicorn after 5), and a POST racing that close would fail.
REUSE_WITHIN_SECONDS = 4.0
_TARGET_SAFE = "/:@!$&'()*+,;=-._~%?"


class AnswerLost(ConnectionError):
    """The connection closed before a whole answer arrived."""


class TimedOut(Exception):
    """No connection, or no answer, within the time allowed; the message says which."""


class NotHttp(ConnectionError):
    """What the server sent is not an HTTP/1.1 answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # at most READ_AT_MOST_BYTES


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


@dataclass(frozen=True)
class Target:
    """Where a POST goes: its origin, what the request line and Host header say."""

    origin: Origin
    request_target: str
    host_header: str

    @classmethod
    def of(cls, parts: SplitResult, host: str, port: int) -> Target:
        path = quote(parts.path or "/", safe=_TARGET_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_TARGET_SAFE)
        return cls(Origin(parts.scheme, host, port), path, quote(parts.netloc, safe=_TARGET_SAFE + "[]"))


class _Connection(asyncio.Protocol):
    """One connection: sends a request, collects its answer; reusable when the answer said so."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.keep_alive = False
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[Answer] | None = None
        self._body = bytearray()
        self._got_bytes = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(NotHttp(f"not an HTTP answer ({error})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(AnswerLost("the connection closed before a whole answer arrived"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        room = READ_AT_MOST_BYTES - len(self._body)
        self._body += body[:room]
        if len(body) >= room:  # enough of it: the rest is not read (nor is the connection kept)
            self._finish(keep_alive=False)

    def on_message_complete(self) -> None:
        self._finish(keep_alive=self._parser.should_keep_alive())

    def _finish(self, *, keep_alive: bool) -> None:
        answer = self._answer
        if answer is None or answer.done():
            return
        self.keep_alive = keep_alive
        answer.set_result(Answer(self._parser.get_status_code(), bytes(self._body)))

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)

    def send(self, request: bytes) -> asyncio.Future[Answer]:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._body.clear()
        self._got_bytes = False
        self.keep_alive = False
        self.transport.write(request)
        return self._answer

    @property
    def answered_nothing(self) -> bool:
        """Closed before any byte of an answer: the server never took the request up."""
        return not self._got_bytes

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


Connect = Callable[[Origin], Awaitable[Sequence[str]]]


class KeepAliveClient:
    """POSTs over kept-alive HTTP/1.1 connections, at most `max_idle` of them kept per origin.

    `addresses(origin)` gives the addresses a connection to the origin may be made to (checked by the
    caller); they are tried in order."""

    def __init__(
        self,
        addresses: Connect,
        *,
        connect_seconds: float,
        read_seconds: float,
        user_agent: str,
        max_idle: int = 64,
    ) -> None:
        self._addresses = addresses
        self._connect_seconds = connect_seconds
        self._read_seconds = read_seconds
        self._user_agent = user_agent
        self._max_idle = max_idle
        self._idle: dict[Origin, deque[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, target: Target, headers: Sequence[tuple[str, str]], body: bytes) -> Answer:
        lines = [
            f"POST {target.request_target} HTTP/1.1",
            f"host: {target.host_header}",
            f"user-agent: {self._user_agent}",
            f"content-length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers),
        ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        connection = self._reusable(target.origin)
        if connection is not None:
            try:
                return await self._exchange(target.origin, connection, request)
            except AnswerLost:
                if not connection.answered_nothing:
                    raise
                # The server closed the idle connection as the request went: once more on a new one.
        return await self._exchange(target.origin, await self._connect(target.origin), request)

    async def _exchange(self, origin: Origin, connection: _Connection, request: bytes) -> Answer:
        try:
            async with asyncio.timeout(self._read_seconds):
                answer = await connection.send(request)
        except TimeoutError:
            connection.close()
            raise TimedOut(f"no answer within {self._read_seconds:g} s") from None
        except BaseException:
            connection.close()
            raise
        if connection.keep_alive and not connection.closed:
            self._keep(origin, connection)
        else:
            connection.close()
        return answer

    def _reusable(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to have been closed
            if not connection.closed and now - connection.idle_since < REUSE_WITHIN_SECONDS:
                return connection
            connection.close()
        return None

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, deque())
        if len(idle) >= self._max_idle:
            idle.popleft().close()
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _connect(self, origin: Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if origin.tls else None
        last: Exception = OSError(f"no address to connect to for {origin.host}")
        for address in await self._addresses(origin):
            try:
                async with asyncio.timeout(self._connect_seconds):
                    _transport, connection = await loop.create_connection(
                        _Connection, address, origin.port, ssl=tls, server_hostname=origin.host if tls else None
                    )
                return connection
            except TimeoutError:
                last = TimedOut(f"could not connect within {self._connect_seconds:g} s")
            except OSError as error:  # ssl.SSLError is one too
                last = error
        raise last

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    async def aclose(self) -> None:
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self._idle.clear()
