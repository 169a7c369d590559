"""Heavy pages a few at a time in each worker, so that residents' requests never queue behind a pile of them.

A worker's event loop runs the next step of every request in hand in turn, so on a busy worker each step
of a resident's request waits behind the steps of all the others. The staff queue, the savings reports
and Open311's listings cost three to five times the CPU of a resident's request, and under overload a
resident's request waited behind several of them at each of its steps. A route that declares
`middleware=[heavy()]` is admitted `heavy_requests_at_once` at a time in each worker; the next waits for
a turn, first come first served, but never longer than `heavy_request_longest_wait_ms`: then it runs
anyway, so a slow report holds the other heavy pages up by no more than that. Below overload there is
always a turn free, and nothing waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

STATE_KEY = "civicshare.heavy_lane"
SAID_AT_MOST_EVERY_SECONDS = 60.0

log = logging.getLogger(__name__)


class HeavyLane:
    """One worker's turns for heavy pages."""

    def __init__(self, at_once: int, longest_wait_seconds: float) -> None:
        self._turns = asyncio.Semaphore(at_once)
        self.longest_wait_seconds = longest_wait_seconds
        self._without_a_turn = 0  # since last said
        self._said_at = -SAID_AT_MOST_EVERY_SECONDS

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold a turn while the page is made; or none, once the longest wait has passed."""
        taken = await self._take()
        try:
            yield
        finally:
            if taken:
                self._turns.release()

    async def _take(self) -> bool:
        if not self._turns.locked():
            await self._turns.acquire()  # free: taken at once, without giving up the event loop
            return True
        try:
            async with asyncio.timeout(self.longest_wait_seconds):
                await self._turns.acquire()
        except TimeoutError:
            self._ran_without_a_turn()
            return False
        return True

    def _ran_without_a_turn(self) -> None:
        """Said to the operator at most once a minute: the turns are too few, or some heavy page is slow."""
        self._without_a_turn += 1
        now = time.monotonic()
        if now - self._said_at >= SAID_AT_MOST_EVERY_SECONDS:
            log.warning(
                "heavy pages made without waiting for a turn",
                extra={"pages": self._without_a_turn, "longest_wait_seconds": self.longest_wait_seconds},
            )
            self._without_a_turn = 0
            self._said_at = now


def heavy_lane_of(state: State) -> HeavyLane:
    """The worker's lane, put in the app's state by the app factory."""
    lane: HeavyLane = state[STATE_KEY]
    return lane


class HeavyLaneMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with heavy_lane_of(scope["app"].state).turn():
            await self.app(scope, receive, send)


def heavy() -> DefineMiddleware:
    """For a route whose page costs several times a resident's request (see the module's notes)."""
    return DefineMiddleware(HeavyLaneMiddleware)
