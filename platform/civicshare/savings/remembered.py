"""Reports an app node has worked out, kept while their inputs stay as they were.

Each app node keeps its own (``PlatformServices.savings_reports``), and a remembered report is used only
under the same key: the council, the database it was read from, the service flags, today, what was asked
(period, grouping...) and the council's savings-inputs key (``savings.inputs_version``), which moves with
every change to the figures' inputs made through any node. Asking costs one small statement; a report
with any input changed is worked out again. Nothing is shared between councils: the key starts with the
council's id, slug and the routed schema's table identifier. ``report_from`` asks with a statement of its
own and takes a connection routed to the council only to work a report out: a remembered one costs no
transaction.

Residents' own activity (submissions, journeys, feedback: the sums in the key that only grow) may be up to
``activity_lag_seconds`` newer than a remembered report (``CIVICSHARE_SAVINGS_ACTIVITY_LAG_SECONDS``): at a
council with residents active every few seconds, a report worked out again on each addition was a report
worked out on nearly every request, the costliest the platform answers. Every other change (costs,
baselines, imports, the contact log, months closed) still shows in the next report at once. Each report
says when its figures were read (`figures_read_at`).

Past the lag, ``report_from`` answers with the remembered report once more and works the new one out
beside the request, one at a time for each key, for the requests after it: no officer waits a report's
working out (a few hundred ms under load) because residents were busy. With a lag of 0 nothing stale is
ever answered: the report is worked out in the request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.lru import LeastRecentlyUsed
from civicshare.savings.inputs_version import current_savings_inputs_key, residents_activity, savings_inputs_key
from civicshare.savings.service import uk_day
from civicshare.savings.service_flags import ServiceFlagsSource, flags_key
from civicshare.tenancy.context import TenantContext

T = TypeVar("T")
logger = logging.getLogger(__name__)
# A year's report as JSON or CSV is about 110 kB; a dashboard's figures and charts, kept as objects, about
# 1.5 MB (a year of 15 services on 6 channels): each node keeps some 30 MB of each at most.
KEPT_ENCODED = 256
KEPT_DASHBOARDS = 24
REFRESHED_AT_ONCE = 2


@dataclass(frozen=True)
class _Remembered:
    report: Any
    activity: tuple[Any, ...]  # the sums of residents' activity it was worked out with
    worked_out_at: float  # time.monotonic()


class RememberedReports:
    """The most recently used reports of one app node, by key (least recently used forgotten first)."""

    def __init__(self, kept: int, activity_lag_seconds: float = 0.0) -> None:
        self._reports: LeastRecentlyUsed[tuple[Any, ...], _Remembered] = LeastRecentlyUsed(kept)
        self._activity_lag = activity_lag_seconds
        self._refreshing: dict[tuple[Any, ...], asyncio.Task[None]] = {}
        # Worked out beside requests a few at a time: each holds a database connection while it runs, and
        # a burst of councils past the lag at once must not take the pool from the requests.
        self._beside_requests = asyncio.Semaphore(REFRESHED_AT_ONCE)

    def __len__(self) -> int:
        return len(self._reports)

    def _current(self, found: _Remembered, activity: tuple[Any, ...]) -> bool:
        """Whether a remembered report may answer: residents' activity as it was, or not older than the lag."""
        return found.activity == activity or time.monotonic() - found.worked_out_at < self._activity_lag

    def _keep(self, key: tuple[Any, ...], activity: tuple[Any, ...], report: T, read_at: float) -> T:
        self._reports.put(key, _Remembered(report, activity, read_at))
        return report

    async def report(
        self,
        connection: AsyncConnection,
        tenant: TenantContext,
        flags_source: ServiceFlagsSource,
        asked: tuple[Hashable, ...],
        work_out: Callable[[], Awaitable[T]],
    ) -> T:
        """The report ``work_out`` gives for ``asked``, remembered while the council's inputs are unchanged.

        ``asked`` names the kind of report and every parameter it is worked out with. The inputs key is
        read on ``connection`` before ``work_out`` reads anything (so its figures are never older than
        the key they are kept under).
        """
        read_at = time.monotonic()
        inputs, activity = residents_activity(await savings_inputs_key(connection, tenant))
        key = _key(connection.engine.url, tenant, flags_source, inputs, asked)
        found = self._reports.get(key)
        if found is not None and self._current(found, activity):
            return found.report  # type: ignore[no-any-return]
        return self._keep(key, activity, await work_out(), read_at)

    async def report_from(
        self,
        engine: AsyncEngine,
        tenant: TenantContext,
        flags_source: ServiceFlagsSource,
        asked: tuple[Hashable, ...],
        work_out: Callable[[AsyncConnection], Awaitable[T]],
    ) -> T:
        """``report`` for reports read from ``engine``: the inputs key is read first, in a transaction of
        its own, and ``work_out`` is given a connection routed to the council only when nothing is
        remembered under it."""
        read_at = time.monotonic()
        inputs, activity = residents_activity(await current_savings_inputs_key(engine, tenant))
        key = _key(engine.url, tenant, flags_source, inputs, asked)
        found = self._reports.get(key)
        if found is not None and self._current(found, activity):
            return found.report  # type: ignore[no-any-return]
        if found is not None and self._activity_lag > 0:  # only residents' activity is newer, past the lag
            self._refresh(key, activity, read_at, engine, tenant, work_out)
            return found.report  # type: ignore[no-any-return]
        async with tenant_connection(engine, tenant) as connection:
            worked_out = await work_out(connection)
        return self._keep(key, activity, worked_out, read_at)

    async def stop_refreshing(self) -> None:
        """Cancel the reports being worked out beside requests, and wait for them (the app is stopping)."""
        refreshing = list(self._refreshing.values())
        for task in refreshing:
            task.cancel()
        await asyncio.gather(*refreshing, return_exceptions=True)

    def _refresh(
        self,
        key: tuple[Any, ...],
        activity: tuple[Any, ...],
        read_at: float,
        engine: AsyncEngine,
        tenant: TenantContext,
        work_out: Callable[[AsyncConnection], Awaitable[Any]],
    ) -> None:
        """Work the report under `key` out again beside the request, unless that is under way."""
        if key in self._refreshing:
            return

        async def refresh() -> None:
            try:
                async with self._beside_requests, tenant_connection(engine, tenant) as connection:
                    self._keep(key, activity, await work_out(connection), read_at)
            except Exception:  # the next request past the lag tries again; this one was answered
                logger.exception("working out %s's savings report again failed", tenant.slug)
            finally:
                del self._refreshing[key]

        self._refreshing[key] = asyncio.create_task(refresh())


def _key(
    url: URL,
    tenant: TenantContext,
    flags_source: ServiceFlagsSource,
    inputs: tuple[Any, ...],
    asked: tuple[Hashable, ...],
) -> tuple[Any, ...]:
    return (
        tenant.id,
        tenant.slug,
        tenant.name,
        url.host,
        url.port,
        url.database,
        uk_day(datetime.now(UTC)),
        flags_key(flags_source, tenant.slug),
        inputs,
        asked,
    )
