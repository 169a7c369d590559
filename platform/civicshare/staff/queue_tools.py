"""What an officer does with a filtered queue besides reading it: download it as a spreadsheet, and keep
the filter under a name for next time."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream
from sqlalchemy import select

from civicshare.casework.saved_filters import NAME_MAX_LENGTH, TooManySavedFilters, forget_filter, save_filter
from civicshare.casework.service import record_action
from civicshare.db.engine import tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.staff.filters import queue_request
from civicshare.staff.queue import conditions, sla_clock
from civicshare.staff.views import short_location
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.transactions.tables import transactions
from civicshare.transactions.views import Wording
from civicshare.web.service import CHANNEL_NAMES, uk_date_time
from civicshare.web.site import FieldError

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
QUERY_MAX_LENGTH = 2000


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


@get("/requests.csv")
async def export_queue(staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]) -> Response[Any]:
    """The filtered queue, every row of it, as CSV (streamed, so a large council's export holds no memory)."""
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    asked = await queue_request(visit, dict(request.query_params.items()))
    today = uk_today()
    where = conditions(asked.read.wanted, today, visit.officer.subject, visit.allowed, visit.teams)
    query = (
        select(transactions)
        .where(*where)
        .order_by(transactions.c.due_on.asc().nulls_last(), transactions.c.created_at, transactions.c.id)
    )
    async with tenant_connection(services.database.engine, council) as connection:
        await record_action(connection, visit.casework_officer, "exported", filter=urlencode(asked.read.typed))

    async def lines() -> AsyncIterator[str]:
        yield _csv_line(list(CSV_COLUMNS))
        wordings: dict[str, Wording] = {}
        async with tenant_connection(services.database.engine, council) as connection:
            rows = await connection.stream(query.execution_options(yield_per=500))
            async for row in rows.mappings():
                wording = wordings.get(row["service"]) or wordings.setdefault(
                    row["service"], Wording(asked.offerings, services, row["service"])
                )
                clock = sla_clock(row["due_on"], row["closed_at"] is not None, today, row.get("sla_paused_at"))
                yield _csv_line(
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

    filename = f"{council.slug}-requests-{today.isoformat()}.csv"
    return Stream(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


@post("/requests/saved")
async def keep_filter(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    name = form.get("name", "").strip()
    query = form.get("query", "").strip()
    kept = urlencode([(key, value) for key, value in parse_qsl(query) if key != "page"])
    errors = text_problems("name", "Name", name, NAME_MAX_LENGTH)
    if not name:
        errors.append(FieldError("name", "Enter a name for this filter"))
    if len(query) > QUERY_MAX_LENGTH:
        errors.append(FieldError("name", "This filter is too long to save"))
    if not errors:
        try:
            async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
                await save_filter(connection, visit.officer.subject, name, kept)
        except TooManySavedFilters:
            errors.append(FieldError("name", "You have 30 saved filters; remove one to save another"))
        else:
            return visit.redirect(f"/staff/requests?{kept}")
    return visit.page("staff/form_problem.html", status=400, title="Save a filter", errors=errors, back=f"?{kept}")


@post("/requests/saved/{filter_id:str}/remove")
async def remove_filter(
    staff_visit: NamedDependency[StaffVisit], filter_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    if filter_id.isdigit() and len(filter_id) < 19:
        async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
            await forget_filter(connection, staff_visit.officer.subject, int(filter_id))
    return staff_visit.redirect("/staff/requests")


HANDLERS = [export_queue, keep_filter, remove_filter]
