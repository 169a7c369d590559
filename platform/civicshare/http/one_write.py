"""A response's head and body sent to the client in one write, not two.

uvicorn writes a response's status line and headers as soon as the app sends `http.response.start`,
then its body on `http.response.body`: two `write` calls, two TCP segments, and two wake-ups of the
client for nearly every answer. On loopback behind a proxy, or on the national benchmark, the second
write cost the app node about a tenth of the CPU of a small page.

`HeadWithBody` stands in for the connection's transport in one request's cycle: the head is held until
the body's first write and the two go out together. Whatever is held is sent at the latest when the
event loop next turns (a HEAD answer writes no body; a streamed answer's first chunk may come later),
and before the connection is closed, so nothing is lost or reordered.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Protocol


class _Cycle(Protocol):
    response_started: bool


class HeadWithBody:
    """The transport of one request's response cycle, holding the response's head for its body."""

    __slots__ = ("_cycle", "_head_seen", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: _Cycle, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        # Weakly: the cycle holds this as its transport, and a reference cycle per request left every
        # request's objects (its scope, headers, state...) to the garbage collector, whose passes over
        # them stopped the node's event loop for up to 200 ms under the national benchmark's load.
        self._cycle = weakref.ref(cycle)
        self._loop = loop
        self._held: bytes | None = None
        self._head_seen = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._transport.write(held + bytes(data))
        elif not self._head_seen and (cycle := self._cycle()) is not None and cycle.response_started:
            # The first write after the response started is its head ("100 Continue" comes before it).
            self._head_seen = True
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
