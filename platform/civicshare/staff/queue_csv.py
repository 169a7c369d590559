"""The filtered queue as CSV lines: the same columns whether streamed at once or written by a job."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import CouncilOfferings
from civicshare.services import PlatformServices
from civicshare.staff.queue import sla_clock
from civicshare.staff.views import short_location
from civicshare.transactions.tables import transactions
from civicshare.transactions.views import Wording
from civicshare.web.service import CHANNEL_NAMES, uk_date_time

CSV_COLUMNS = (
    "reference",
    "service",
    "status",
    "due",
    "channel",
    "submitted",
    "assigned to",
    "location",
    "email",
)


def csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def queue_query(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(transactions)
        .where(*where)
        .order_by(transactions.c.due_on.asc().nulls_last(), transactions.c.created_at, transactions.c.id)
    )


async def rows_up_to(connection: AsyncConnection, where: Sequence[ColumnElement[bool]], most: int) -> int:
    """How many rows the filter finds, counting no further than `most` + 1 (enough to tell "too many")."""
    limited = select(transactions.c.id).where(*where).limit(most + 1).subquery()
    return int(await connection.scalar(select(func.count()).select_from(limited)) or 0)


async def csv_lines(
    connection: AsyncConnection,
    where: Sequence[ColumnElement[bool]],
    offerings: CouncilOfferings,
    services: PlatformServices,
    today: date,
) -> AsyncIterator[str]:
    """The header, then one line per request the filter finds, read in batches."""
    yield csv_line(CSV_COLUMNS)
    wordings: dict[str, Wording] = {}
    rows = await connection.stream(queue_query(where).execution_options(yield_per=500))
    async for row in rows.mappings():
        wording = wordings.get(row["service"]) or wordings.setdefault(
            row["service"], Wording(offerings, services, row["service"])
        )
        clock = sla_clock(row["due_on"], row["closed_at"] is not None, today, row.get("sla_paused_at"))
        yield csv_line(
            [
                row["reference"],
                wording.title,
                wording.label(row["status"]),
                clock.words,
                CHANNEL_NAMES.get(row["channel"], row["channel"]),
                uk_date_time(row["created_at"]),
                row["assignee_name"] or "",
                short_location(dict(row)),
                row["contact_email"] or "",
            ]
        )
