"""The four service measures as open data: a CSV a council can publish, and whether it does.

One row per month and service with transactions, in month then service order. Columns, stable (new
ones only at the end):

- ``council``: the council's slug; ``month``: ``YYYY-MM``; ``service``: the service's code
- ``transactions``, ``digital_transactions``: on every channel (imported offline counts included), and
  on the website and app
- ``total_cost``, ``cost_per_transaction``: pounds and pence, like ``12.34``, no £ sign
- ``digital_take_up``: digital_transactions / transactions, 4 decimal places
- ``journeys_started``, ``requests_sent``, ``completion_rate``: on the website; the rate 4 decimal places
- ``satisfaction_responses`` and the count of each answer, ``user_satisfaction``: the share satisfied
  or very satisfied, 4 decimal places

A share with nothing to divide is empty. Only counts and the figures worked out from them: residents'
own words in their feedback are never in it.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.measures import Measures, ServiceMeasures
from civicshare.savings.tables import open_data_publications

SERVICE_MEASURES = "service-measures"
# Where a council that publishes them serves the measures, on its own address.
OPEN_DATA_PATH = "/open-data/service-measures.csv"

COLUMNS: tuple[str, ...] = (
    "council",
    "month",
    "service",
    "transactions",
    "digital_transactions",
    "total_cost",
    "cost_per_transaction",
    "digital_take_up",
    "journeys_started",
    "requests_sent",
    "completion_rate",
    "satisfaction_responses",
    "very_satisfied",
    "satisfied",
    "neither_satisfied_or_dissatisfied",
    "dissatisfied",
    "very_dissatisfied",
    "user_satisfaction",
)


def _optional(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _row(council: str, line: Measures) -> tuple[str, ...]:
    return (
        council,
        line.month or "",
        line.service or "",
        str(line.transactions),
        str(line.digital_transactions),
        str(line.total_cost),
        _optional(line.cost_per_transaction),
        _optional(line.digital_take_up),
        str(line.journeys_started),
        str(line.requests_sent),
        _optional(line.completion_rate),
        str(line.satisfaction_responses),
        str(line.very_satisfied),
        str(line.satisfied),
        str(line.neither_satisfied_or_dissatisfied),
        str(line.dissatisfied),
        str(line.very_dissatisfied),
        _optional(line.user_satisfaction),
    )


def measures_to_csv(measures: ServiceMeasures) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in measures.lines:
        writer.writerow(_row(measures.council, line))
    return output.getvalue()


async def is_published(connection: AsyncConnection, dataset: str = SERVICE_MEASURES) -> bool:
    found = await connection.execute(
        select(open_data_publications.c.dataset).where(open_data_publications.c.dataset == dataset)
    )
    return found.first() is not None


async def set_published(connection: AsyncConnection, publish: bool, by: str, dataset: str = SERVICE_MEASURES) -> None:
    """Publish the data set at the council's public address, or stop publishing it."""
    if publish:
        await connection.execute(
            insert(open_data_publications).values(dataset=dataset, published_by=by).on_conflict_do_nothing()
        )
    else:
        await connection.execute(delete(open_data_publications).where(open_data_publications.c.dataset == dataset))
