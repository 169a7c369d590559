"""What an officer does with a filtered queue besides reading it: download it as a spreadsheet, and keep
the filter under a name for next time."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from civicshare.api.stored_files import stored_file_response
from civicshare.casework.saved_filters import NAME_MAX_LENGTH, TooManySavedFilters, forget_filter, save_filter
from civicshare.casework.service import record_action
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.modules.working_days import uk_today
from civicshare.policy import Permission, requires
from civicshare.staff.filters import queue_request
from civicshare.staff.queue import conditions
from civicshare.staff.queue_csv import csv_lines, rows_up_to
from civicshare.staff.queue_exports import (
    QUEUE_FOLDER,
    Reach,
    officer_export,
    officer_exports,
    queue_export_files,
    request_queue_export,
)
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.storage import FileMissing
from civicshare.web.site import FieldError

QUERY_MAX_LENGTH = 2000


@get("/requests.csv", opt=requires(Permission.VIEW_REQUESTS))
async def export_queue(staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]) -> Response[Any]:
    """The filtered queue, every row of it, as CSV: streamed at once (holding no memory) up to
    `queue_export_stream_max_rows`; beyond that, written by the job worker for the officer to download
    from "Your exports"."""
    visit = staff_visit
    services = visit.services
    council = visit.web.council
    offerings = await services.offerings.for_council(council)
    asked = queue_request(visit, offerings, dict(request.query_params.items()))
    today = uk_today()
    where = conditions(asked.read.wanted, today, visit.officer.subject, visit.allowed, visit.teams)
    filter_query = urlencode(asked.read.typed)
    most = services.settings.queue_export_stream_max_rows
    async with tenant_connection(services.database.engine, council) as connection:
        if await rows_up_to(connection, where, most) > most:
            reach = Reach(visit.officer.subject, visit.casework_officer.name, visit.allowed, visit.teams)
            export_id = await request_queue_export(connection, council.slug, reach, filter_query)
            await record_action(
                connection, visit.casework_officer, "exported", filter=filter_query, prepared_as=export_id
            )
        else:
            export_id = None
            await record_action(connection, visit.casework_officer, "exported", filter=filter_query)
    if export_id is not None:
        return visit.page("staff/export_prepared.html", status=202, title="Your export is being prepared", most=most)

    async def lines() -> AsyncIterator[str]:
        # Streamed from the read replica while it is fresh. Not retried on the primary if the replica fails
        # part way: the lines sent cannot be taken back, so the download ends short and the officer asks again.
        engine = await services.database.reads_engine()
        async with tenant_connection(engine, council) as connection:
            async for line in csv_lines(connection, where, asked.offerings, services, today):
                yield line

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


@get("/exports", opt=requires(Permission.VIEW_REQUESTS))
async def your_exports(staff_visit: NamedDependency[StaffVisit]) -> Response[Any]:
    """The officer's own large exports at this council, latest first."""
    visit = staff_visit
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        exports = await officer_exports(connection, visit.officer.subject)
    waiting = any(export["state"] in ("queued", "running") for export in exports)
    return visit.page("staff/exports.html", title="Your exports", exports=exports, waiting=waiting)


@get("/exports/{export_id:str}/file", opt=requires(Permission.VIEW_REQUESTS))
async def download_export(staff_visit: NamedDependency[StaffVisit], export_id: FromPath[str]) -> Response[Any]:
    """The CSV file of one of the officer's own exports (404 for anyone else's, or one not ready)."""
    visit = staff_visit
    council = visit.web.council
    found = None
    if export_id.isdecimal() and len(export_id) < 19:
        async with tenant_connection(visit.services.database.engine, council) as connection:
            found = await officer_export(connection, visit.officer.subject, int(export_id))
            if found is not None and found["state"] == "done":
                await record_action(
                    connection, visit.casework_officer, "export_downloaded", filter=found["filter"], export=found["id"]
                )
    opened = None
    if found is not None and found["state"] == "done":
        with contextlib.suppress(FileMissing):
            files_here = queue_export_files(visit.services.files, council.slug)
            opened = await files_here.open(f"{QUEUE_FOLDER}/{Path(str(found['file_name'])).name}")
    if found is None or opened is None:
        raise Problem(
            404, "Export not found", f"You have no export {export_id} ready to download.", name="export-not-found"
        )
    return stored_file_response(
        opened, "text/csv; charset=utf-8", filename=found["file_name"], headers={"cache-control": "private, no-store"}
    )


@post("/requests/saved", opt=requires(Permission.VIEW_REQUESTS))
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


@post("/requests/saved/{filter_id:str}/remove", opt=requires(Permission.VIEW_REQUESTS))
async def remove_filter(
    staff_visit: NamedDependency[StaffVisit], filter_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    if filter_id.isdecimal() and len(filter_id) < 19:
        async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
            await forget_filter(connection, staff_visit.officer.subject, int(filter_id))
    return staff_visit.redirect("/staff/requests")


HANDLERS = [export_queue, your_exports, download_export, keep_filter, remove_filter]
