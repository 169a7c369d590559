"""A response's head goes out with its body in one write; nothing held is lost, late or out of order."""

from __future__ import annotations

import asyncio
import gc
import weakref
from dataclasses import dataclass, field
from typing import Any

from civicshare.http.one_write import HeadWithBody


@dataclass
class Cycle:
    response_started: bool = False
    transport: Any = None


@dataclass
class RecordingTransport:
    writes: list[bytes] = field(default_factory=list)
    closed: bool = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


def held(transport: RecordingTransport, cycle: Cycle) -> HeadWithBody:
    return HeadWithBody(transport, cycle, asyncio.get_running_loop())  # type: ignore[arg-type]


async def test_the_head_and_the_body_go_out_in_one_write() -> None:
    transport, cycle = RecordingTransport(), Cycle()
    sent = held(transport, cycle)
    cycle.response_started = True

    sent.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
    assert transport.writes == []
    sent.write(b"hello")
    await asyncio.sleep(0)

    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]


async def test_a_head_without_a_body_goes_out_when_the_loop_turns() -> None:
    transport, cycle = RecordingTransport(), Cycle(response_started=True)
    sent = held(transport, cycle)

    sent.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")  # the answer to a HEAD request
    await asyncio.sleep(0)

    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"]


async def test_a_streamed_answers_later_chunks_follow_at_once() -> None:
    transport, cycle = RecordingTransport(), Cycle(response_started=True)
    sent = held(transport, cycle)

    sent.write(b"head;")
    sent.write(b"first;")
    sent.write(b"second;")

    assert transport.writes == [b"head;first;", b"second;"]


async def test_100_continue_is_not_held_and_closing_sends_what_is_held_first() -> None:
    transport, cycle = RecordingTransport(), Cycle()
    sent = held(transport, cycle)

    sent.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # before the response starts
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    cycle.response_started = True
    sent.write(b"head")
    sent.close()
    await asyncio.sleep(0)

    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"head"]
    assert transport.closed
    assert sent.get_extra_info("peername") == "extra peername"


async def test_a_finished_cycle_and_its_transport_are_freed_at_once_not_by_the_garbage_collector() -> None:
    """The cycle holds the transport that stands in for its connection's: were the transport to hold the
    cycle back, every request's objects would wait for a collector's pass (which stalls the node)."""
    cycle = Cycle()
    cycle.transport = held(RecordingTransport(), cycle)
    cycle.response_started = True
    cycle.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    cycle.transport.flush()
    gone = weakref.ref(cycle)
    gc.disable()
    try:
        del cycle
        assert gone() is None
    finally:
        gc.enable()
