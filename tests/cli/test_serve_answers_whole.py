"""`civicshare serve` answers whole over one keep-alive connection, each head written with its body
(`civicshare.http.one_write`): a GET, a HEAD with no body after its head, and requests sent back to back."""

from __future__ import annotations

import socket

from tests.cli.serving import Serving, wait_for


def _read_answer(connection: socket.socket, buffered: bytes, head_only: bool = False) -> tuple[bytes, bytes, bytes]:
    """(head, body, what was read beyond them) of the next answer on the connection."""
    while b"\r\n\r\n" not in buffered:
        received = connection.recv(65536)
        assert received, buffered
        buffered += received
    head, _, rest = buffered.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0 if head_only else next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
    while len(rest) < length:
        received = connection.recv(65536)
        assert received, rest
        rest += received
    return head, rest[:length], rest[length:]


def test_get_head_and_back_to_back_requests_are_answered_whole(serving: Serving) -> None:
    wait_for(serving.healthy)
    host, port = serving.url.removeprefix("http://").split(":")
    get = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(get)
        head, body, rest = _read_answer(connection, b"")
        assert head.startswith(b"HTTP/1.1 200") and b'"ok"' in body and rest == b""

        # No route answers HEAD: its 405 is a head that no body write follows.
        connection.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head, body, rest = _read_answer(connection, b"", head_only=True)
        assert head.startswith(b"HTTP/1.1 405") and body == b"" and rest == b""

        connection.sendall(get * 3)
        for _ in range(3):
            head, body, rest = _read_answer(connection, rest)
            assert head.startswith(b"HTTP/1.1 200") and b'"ok"' in body
        assert rest == b""
