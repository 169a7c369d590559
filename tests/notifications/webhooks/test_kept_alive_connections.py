"""Webhooks reuse kept-alive HTTP/1.1 connections to a receiver, and a receiver closing an idle one (as
servers do after a few seconds) costs no failed delivery: the POST goes again on a new connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from civicshare.notifications.webhooks.sending import Timeouts, guarded_client, send_signed
from civicshare.notifications.webhooks.targets import TargetPolicy

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class KeepAliveReceiver:
    """An HTTP/1.1 receiver on loopback answering 200 and keeping connections open, unless told to close
    each connection once it has answered (`close_after_answer`)."""

    close_after_answer: bool = False
    connections: int = 0
    webhook_ids: list[str] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
                await reader.readexactly(int(headers["content-length"]))
                self.webhook_ids.append(headers["webhook-id"])
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nthanks")
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def running(receiver: KeepAliveReceiver) -> AsyncIterator[str]:
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        server.close()


async def test_deliveries_to_one_receiver_share_a_connection() -> None:
    receiver = KeepAliveReceiver()
    client = guarded_client(TargetPolicy(allow_private=True, require_https=False), Timeouts())
    async with running(receiver) as url:
        for number in range(3):
            attempt = await send_signed(
                client, url, secret=SECRET, message_id=f"msg_{number}", body=b"{}", total_seconds=5
            )
            assert attempt.delivered and attempt.response_excerpt == "thanks"
        await client.aclose()
    assert receiver.webhook_ids == ["msg_0", "msg_1", "msg_2"]
    assert receiver.connections == 1


async def test_a_connection_the_receiver_closed_costs_no_failed_delivery() -> None:
    receiver = KeepAliveReceiver(close_after_answer=True)  # it answers as keep-alive, then hangs up
    client = guarded_client(TargetPolicy(allow_private=True, require_https=False), Timeouts())
    async with running(receiver) as url:
        for number in range(3):
            await asyncio.sleep(0.05)  # the hang-up reaches the platform or not: either way it must arrive
            attempt = await send_signed(
                client, url, secret=SECRET, message_id=f"msg_{number}", body=b"{}", total_seconds=5
            )
            assert attempt.delivered, attempt.error
        await client.aclose()
    assert receiver.webhook_ids == ["msg_0", "msg_1", "msg_2"]
