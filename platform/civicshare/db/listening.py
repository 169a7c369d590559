"""One connection that LISTENs on a channel for as long as the process runs, reconnecting when lost.

Each (re)connection calls `on_connected` first: whatever was sent while nobody listened is lost, so the
caller treats a new connection as "something may have changed". The connection goes to the server
itself (`Database.session_url`): LISTEN does not survive a pooler in transaction mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
LONGEST_RETRY_SECONDS = 30.0


def driver_dsn(database_url: str) -> str:
    """A SQLAlchemy URL (`postgresql+asyncpg://`) as asyncpg reads it."""
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgresql") else database_url


async def listen_forever(
    database_url: str,
    channel: str,
    on_message: Callable[[str], None],
    on_connected: Callable[[], None],
    *,
    application_name: str,
) -> None:
    """Until cancelled: listen on `channel`, calling `on_message(payload)` for each notification."""
    wait = FIRST_RETRY_SECONDS
    while True:
        try:
            connection = await asyncpg.connect(
                driver_dsn(database_url), server_settings={"application_name": application_name}
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("cannot listen on %s (again in %.1fs): %s", channel, wait, error)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_RETRY_SECONDS)
            continue
        try:
            await _listen_until_lost(connection, channel, on_message, on_connected)
            wait = FIRST_RETRY_SECONDS
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("lost the connection listening on %s: %s", channel, error)
        finally:
            if not connection.is_closed():
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
        await asyncio.sleep(wait)


async def _listen_until_lost(
    connection: Any,
    channel: str,
    on_message: Callable[[str], None],
    on_connected: Callable[[], None],
) -> None:
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _connection: lost.set())
    await connection.add_listener(channel, lambda _c, _pid, _channel, payload: on_message(payload))
    on_connected()
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), 10)
        if not lost.is_set():
            await connection.execute("SELECT 1")  # a server that went away is noticed here
