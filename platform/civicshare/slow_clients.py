"""Deadlines for clients that send a request too slowly, so none can hold a worker's connection open.

uvicorn closes a keep-alive connection left idle, but it waits for ever for a request's headers and
body: a client sending one byte every few seconds (slowloris) keeps its connection, and a graceful
shutdown waits for it. `DeadlinedHttpProtocol` gives every request `HEADERS_SECONDS` from its first
byte (or from the connection opening) to finish its headers, and then `BODY_SECONDS` to finish its
body; a request that misses either is answered 408 if nothing was answered yet, and its connection
closed. The time the platform takes to answer is not limited here.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from civicshare.http.one_write import HeadWithBody

log = logging.getLogger(__name__)

HEADERS_SECONDS = 10.0
BODY_SECONDS = 60.0  # a resident's photos over a slow mobile connection still get through
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class DeadlinedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline on receiving each request (see the module's notes), and
    each response's head written with its body (`civicshare.http.one_write`)."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(HEADERS_SECONDS, "headers")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(HEADERS_SECONDS, "headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(BODY_SECONDS, "body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        cycle.transport = HeadWithBody(cycle.transport, cycle, self.loop)  # type: ignore[assignment]
        super()._start_asgi_task(cycle, app)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float, part: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, part)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, part: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.warning("closing a connection from %s: its request %s took too long", _address(self.client), part)
        if part == "headers" or not self.cycle.response_started:  # nothing answered to this request yet
            self.transport.write(_TIMED_OUT)
        self.transport.close()


def _address(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "an unknown address"
