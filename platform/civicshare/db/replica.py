"""Reads that may be served by a read replica (a streaming standby), within a bounded staleness.

Reports, exports and dashboards read a lot and write nothing, so with `CIVICSHARE_DATABASE_REPLICA_URL`
set they run on the replica (`Database.read`) while it is fresh, and on the primary otherwise.

Fresh means: everything the primary had written `max_lag_seconds` ago has been replayed on the replica.
The time of the replica's last replayed transaction cannot say so (on an idle primary it grows with no
lag at all), so positions in the WAL are compared instead. At most once every `check_every_seconds` the
primary's current position is noted with the time it was read, then the replica's replay position is
read: when the replica has replayed past what the primary had just written, the lag is nil; otherwise
the lag is the age of the newest noted position it has replayed. A replica that cannot be reached, is not
a standby, or fails in the middle of a read sends reads to the primary; each change is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from civicshare.db.engine import drops_broken_connections
from civicshare.db.outage import is_database_outage

log = logging.getLogger(__name__)

# Whether a connection's transactions are read only: set on every connection to the replica, so code that
# would write a cache on the way (the savings report's months) knows not to.
READ_ONLY_OPTION = "postgresql_readonly"
_POSITION = "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
_REPLAYED = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"


def is_read_only(options: dict[str, object]) -> bool:
    """Whether a connection with these execution options reads only (it is on the replica)."""
    return bool(options.get(READ_ONLY_OPTION))


def replica_failed(error: BaseException) -> bool:
    """An error of the replica rather than of the read: unreachable, gone, or a query cancelled because
    the replay needed what it read (a recovery conflict)."""
    return is_database_outage(error) or "conflict with recovery" in str(error)


class ReplicaReads:
    """The replica's engine and whether it is fresh enough to read from now."""

    def __init__(
        self,
        engine: AsyncEngine,
        probe_url: str,
        *,
        probe_connect_args: dict[str, Any] | None = None,
        max_lag_seconds: float = 5.0,
        check_every_seconds: float = 1.0,
        check_timeout_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pooled = engine
        self.engine = engine.execution_options(**{READ_ONLY_OPTION: True})
        # The checks' own small pool: a check never waits behind reports for a connection. A connection a
        # replica's restart broke fails one check, and the pool is then renewed.
        self._probe = drops_broken_connections(
            create_async_engine(
                probe_url,
                pool_size=2,
                max_overflow=0,
                pool_timeout=check_timeout_seconds,
                connect_args={
                    **(probe_connect_args or {}),
                    "timeout": check_timeout_seconds,
                    "server_settings": {"application_name": "civicshare-lag"},
                },
            )
        )
        self.max_lag_seconds = max_lag_seconds
        self._check_every = check_every_seconds
        self._check_timeout = check_timeout_seconds
        self._clock = clock
        self._positions: deque[tuple[float, int]] = deque()  # (when, the primary's position then)
        self._checked_at: float | None = None
        self._checking = False
        self._fresh = False
        self._said: str | None = None

    async def is_fresh(self, primary: AsyncEngine) -> bool:
        """Whether reads may go to the replica now; checked at most once every `check_every_seconds`,
        and while one check runs, the others use the last answer rather than wait."""
        now = self._clock()
        if self._checking or (self._checked_at is not None and now - self._checked_at < self._check_every):
            return self._fresh
        self._checking = True
        try:
            self._fresh = await self._check(primary, now)
            self._checked_at = now
        finally:
            self._checking = False
        return self._fresh

    async def has_replayed_now(self, primary: AsyncEngine) -> bool:
        """Whether the replica replays, within `max_lag_seconds`, everything the primary has written by now
        (for a read that must see the writes just before it, like an export asked for after a change)."""
        try:
            async with asyncio.timeout(self._check_timeout), primary.connect() as connection:
                position = int(await connection.scalar(text(f"SELECT {_POSITION}")) or 0)
            async with asyncio.timeout(self.max_lag_seconds), self._probe.connect() as connection:
                while True:
                    in_recovery, replayed = (await connection.execute(text(_REPLAYED))).one()
                    if not in_recovery or replayed is None:
                        self._tell("the replica is not a standby (promoted, or the primary itself)")
                        return False
                    if int(replayed) >= position:
                        return True
                    await asyncio.sleep(0.05)
        except TimeoutError:
            log.warning("a read went to the primary: the replica did not catch up within %g s", self.max_lag_seconds)
            return False
        except Exception as error:
            self._tell(f"the replica cannot be reached ({type(error).__name__}: {error})")
            return False

    def failed(self, error: BaseException) -> None:
        """The replica failed in the middle of a read: reads go to the primary until the next check."""
        self._fresh = False
        self._checked_at = self._clock()
        self._tell(f"the replica failed during a read ({type(error).__name__}: {error})")

    def lag_seconds(self, replayed: int, now: float) -> float:
        """How old the oldest write the replica has not replayed may be (inf: older than every note)."""
        if self._positions and replayed >= self._positions[-1][1]:
            return 0.0
        caught_up = [when for when, position in self._positions if position <= replayed]
        return now - max(caught_up) if caught_up else math.inf

    async def _check(self, primary: AsyncEngine, now: float) -> bool:
        try:
            async with asyncio.timeout(self._check_timeout), primary.connect() as connection:
                position = int(await connection.scalar(text(f"SELECT {_POSITION}")) or 0)
        except Exception as error:  # the primary's own outage is answered where its reads fail
            self._tell(f"the primary's position could not be read ({type(error).__name__})")
            return False
        self._positions.append((now, position))
        while len(self._positions) > 1 and now - self._positions[0][0] > 2 * (self.max_lag_seconds + self._check_every):
            self._positions.popleft()
        try:
            async with asyncio.timeout(self._check_timeout), self._probe.connect() as connection:
                in_recovery, replayed = (await connection.execute(text(_REPLAYED))).one()
        except Exception as error:
            self._tell(f"the replica cannot be reached ({type(error).__name__}: {error})")
            return False
        if not in_recovery or replayed is None:
            self._tell("the replica is not a standby (promoted, or the primary itself)")
            return False
        lag = self.lag_seconds(int(replayed), now)
        if lag > self.max_lag_seconds:
            self._tell(f"the replica is more than {self.max_lag_seconds:g} s behind the primary")
            return False
        self._tell(None)
        return True

    def _tell(self, why_not: str | None) -> None:
        if why_not == self._said:
            return
        self._said = why_not
        if why_not is None:
            log.info("reports read from the replica")
        else:
            log.warning("reports read from the primary: %s", why_not)

    async def dispose(self) -> None:
        await self._pooled.dispose()
        await self._probe.dispose()
