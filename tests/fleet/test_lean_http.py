"""The national benchmark's own lean HTTP client reads answers as a server sends them: by length, in
chunks, and when the server closes a kept-alive connection it opens a fresh one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bench.lean_http import Client


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"got": await request.json(), "host": request.headers["Host"]}, status=201)


async def _chunked(request: web.Request) -> web.StreamResponse:
    answer = web.StreamResponse()
    answer.enable_chunked_encoding()
    await answer.prepare(request)
    for piece in (b"first,", b"second,", b"third"):
        await answer.write(piece)
    await answer.write_eof()
    return answer


async def _closing(request: web.Request) -> web.Response:
    return web.Response(text="bye", headers={"Connection": "close"})


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/echo", _echo)
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/closing", _closing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_answers_by_length_in_chunks_and_after_the_server_closed_the_connection(server: str) -> None:
    client = Client()
    try:
        echoed = await client.request("POST", f"{server}/echo", {"Host": "kingston.localhost"}, {"a": [1, "é"]})
        assert echoed.status == 201
        assert json.loads(echoed.body) == {"got": {"a": [1, "é"]}, "host": "kingston.localhost"}

        chunked = await client.request("GET", f"{server}/chunked", {})
        assert (chunked.status, chunked.body) == (200, b"first,second,third")

        for _ in range(2):  # the server closes after each: the next request still gets through
            closing = await client.request("GET", f"{server}/closing", {})
            assert (closing.status, closing.body) == (200, b"bye")
        again = await client.request("GET", f"{server}/chunked?again=1", {})
        assert again.body == b"first,second,third"
    finally:
        client.close()
