"""A stand-in for PostgreSQL's address that a test can take down, so the platform meets a database
outage while the real server (shared by the whole test run) keeps running.

The proxy listens on a loopback TCP port and passes each connection through to the embedded server's
Unix socket. `down()` closes every connection in flight and refuses new ones, as a killed server does;
`starting()` lets connections in only to answer PostgreSQL's own "the database system is starting up";
`up()` passes connections through again.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading
from concurrent.futures import Future
from typing import Any

SSL_REQUEST = 80877103
STARTING_UP = b"".join([b"SFATAL\0", b"VFATAL\0", b"C57P03\0", b"Mthe database system is starting up\0", b"\0"])


class DatabaseProxy:
    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.port = 0
        self.mode = "up"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> DatabaseProxy:
        self._thread.start()
        self._run(self._listen())
        return self

    def stop(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def down(self) -> None:
        self._run(self._set("down"))

    def starting(self) -> None:
        self._run(self._set("starting"))

    def up(self) -> None:
        self._run(self._set("up"))

    def _run(self, work: Any) -> None:
        done: Future[None] = asyncio.run_coroutine_threadsafe(work, self._loop)
        done.result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _set(self, mode: str) -> None:
        self.mode = mode
        if mode == "down":
            if self._server is not None:
                self._server.close()
                self._server = None
            for pipe in list(self._pipes):
                pipe.transport.abort()
            self._pipes.clear()
        elif self._server is None:
            await self._listen()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "starting":
            await _refuse_as_starting_up(reader, writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_unix_connection(self.socket_path)
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, server_writer}
        await asyncio.gather(_pump(reader, server_writer), _pump(server_reader, writer))
        self._pipes -= {writer, server_writer}


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def _refuse_as_starting_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        length, code = struct.unpack("!ii", await reader.readexactly(8))
        if code == SSL_REQUEST:
            writer.write(b"N")  # no TLS: the startup message follows in the clear
            length, code = struct.unpack("!ii", await reader.readexactly(8))
        await reader.readexactly(length - 8)
        writer.write(b"E" + struct.pack("!i", len(STARTING_UP) + 4) + STARTING_UP)
        await writer.drain()
    writer.close()
