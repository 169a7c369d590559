"""A lean HTTP/1.1 keep-alive client for load generators on the machine under test.

The national benchmark shares two cores with what it measures: every millisecond its client spends is a
millisecond the platform cannot. aiohttp's client costs about 0.25-0.9 ms of CPU a request; this one writes
the request bytes in one go and reads the answer by Content-Length or chunks, nothing else (no cookies jar,
no redirects, no compression). Loopback only, and only for benchmarks.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from urllib.parse import urlsplit


class ConnectionLost(Exception):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def encode_request(method: str, url: str, headers: dict[str, str], payload: object | None) -> tuple[str, bytes]:
    """(origin "host:port", the request's bytes) for a keep-alive request."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    body = b"" if payload is None else json.dumps(payload).encode()
    lines = [f"{method} {path} HTTP/1.1"]
    named = {name.lower() for name in headers}
    if "host" not in named:
        lines.append(f"Host: {parts.netloc}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if payload is not None:
        lines.append("Content-Type: application/json")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return parts.netloc, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive connection to one origin; reconnects when the server closed it."""

    def __init__(self, origin: str) -> None:
        host, _, port = origin.rpartition(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)
        return self.reader, self.writer

    async def send(self, request: bytes) -> Answer:
        fresh = self.reader is None
        try:
            return await self._exchange(request)
        except (ConnectionLost, ConnectionError):
            self.close()
            if fresh:
                raise
            return await self._exchange(request)  # the server closed an idle connection: once more, afresh

    async def _exchange(self, request: bytes) -> Answer:
        reader, writer = await self._open()
        writer.write(request)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as closed:
            raise ConnectionLost("closed before answering") from closed
        lines = head[:-4].split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = closing = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                closing = b"close" in value.lower()
        if chunked:
            body = await self._chunks(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            closing = True
        if closing:
            self.close()
        return Answer(status, body)

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        pieces: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(pieces)
            pieces.append(await reader.readexactly(size))
            await reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Client:
    """A connection per origin, for one sequential client (never shared by concurrent tasks)."""

    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}

    async def request(self, method: str, url: str, headers: dict[str, str], payload: object | None = None) -> Answer:
        origin, request = encode_request(method, url, headers, payload)
        connection = self.connections.get(origin)
        if connection is None:
            connection = self.connections[origin] = Connection(origin)
        return await connection.send(request)

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
