"""Requests waiting for a database connection get one in the order they asked."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from civicshare.db.engine import make_engine


async def test_a_returned_connection_goes_to_the_longest_waiter_not_a_newcomer(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    served: list[str] = []

    async def ask(name: str) -> None:
        async with engine.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))

    try:
        holder = await engine.connect()
        waiters = []
        for name in ("first", "second", "third"):
            waiters.append(asyncio.create_task(ask(name)))
            await asyncio.sleep(0.01)  # each is queued before the next arrives
        newcomer = asyncio.create_task(ask("newcomer"))  # scheduled before the release below wakes anyone
        await holder.close()
        await asyncio.gather(*waiters, newcomer)
    finally:
        await engine.dispose()
    assert served == ["first", "second", "third", "newcomer"]


async def test_a_waiter_that_gives_up_does_not_take_a_connection_with_it(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        holder = await engine.connect()

        async def wait_for_one() -> None:
            async with engine.connect():
                pass

        impatient = asyncio.create_task(wait_for_one())
        await asyncio.sleep(0.01)
        impatient.cancel()
        await asyncio.gather(impatient, return_exceptions=True)
        await holder.close()
        async with asyncio.timeout(5):
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
