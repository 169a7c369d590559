"""The national benchmark's open loop counts each latency from when its request arrived: a server that
falls behind shows the queue it builds, as the residents waiting in it would see it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bench import national_traffic
from bench.national_traffic import Council, Kind, Request, Target, run_at_rate

ANSWER_SECONDS = 0.02  # the server answers one request at a time, each after this long


@pytest.fixture
async def one_at_a_time() -> AsyncIterator[str]:
    busy = asyncio.Lock()

    async def slow(request: web.Request) -> web.Response:
        async with busy:
            await asyncio.sleep(ANSWER_SECONDS)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_a_server_slower_than_the_arrivals_shows_the_wait_in_full(
    one_at_a_time: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Kind("resident: home", "resident", 1, lambda target: Request("GET", f"{target.nodes[0]}/", {}))
    monkeypatch.setattr(national_traffic, "KINDS", (home,))
    target = Target([one_at_a_time], [Council("a", [])], {})

    # Arriving at twice what the server can answer, for a second, over one connection: the requests queue
    # in the load generator itself, and the last waits about half a second before it is even sent.
    tallies = await run_at_rate(target, rate=2 / ANSWER_SECONDS, seconds=1.0, most_at_once=1)

    latencies = sorted(tallies[home.name].latencies)
    assert tallies[home.name].failed == tallies[home.name].unexpected == 0
    assert len(latencies) > 50  # every arrival answered, none dropped (about 100 arrive)
    assert latencies[0] < 5 * ANSWER_SECONDS  # the first ones hardly waited...
    assert latencies[-1] > 10 * ANSWER_SECONDS  # ...the last waited behind all the others
