"""Residents' personal data in the back office, for the council's administrators: how long each service
keeps it and what is due for erasure, the record of erasures, and subject access exports (asked for
here, written by the job worker, downloaded when ready)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from sqlalchemy import select

from civicshare.api.stored_files import stored_file_response
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.policy import Permission, requires
from civicshare.privacy import jobs, subject_access
from civicshare.privacy.retention import due_for_erasure
from civicshare.privacy.rules import council_rules
from civicshare.privacy.tables import personal_data_erasures
from civicshare.staff.visit import StaffVisit
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email
from civicshare.web.site import FieldError

DONE = {"asked": "Export asked for: it appears below when it is ready"}


async def _page(
    visit: StaffVisit, *, typed: str = "", errors: list[FieldError] | None = None, done: str | None = None
) -> Response[Any]:
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        rules = await council_rules(connection, visit.services.registry, council)
        by_service, first_due = await due_for_erasure(connection, rules, datetime.now(UTC))
        erasures = [
            dict(row)
            for row in (
                await connection.execute(
                    select(personal_data_erasures).order_by(personal_data_erasures.c.id.desc()).limit(20)
                )
            ).mappings()
        ]
        exports = await subject_access.recent_requests(connection)
    return visit.page(
        "staff/privacy.html",
        status=400 if errors else 200,
        title="Personal data",
        current="staff-privacy",
        services=[item for item in by_service if item.due or item.erased_so_far or item.service in rules.by_service],
        first_due=first_due,
        erasures=erasures,
        exports=exports,
        waiting=any(export["state"] in ("queued", "running") for export in exports),
        typed=typed,
        errors=errors or [],
        done=DONE.get(done or ""),
    )


@get("/privacy", opt=requires(Permission.MANAGE_COUNCIL))
async def privacy_home(staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None) -> Response[Any]:
    return await _page(staff_visit, done=done)


@post("/privacy/subject-access", opt=requires(Permission.MANAGE_COUNCIL))
async def ask_for_subject_access(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    email = (await visit.web.form()).get("email", "").strip().lower()
    if not email:
        return await _page(visit, errors=[FieldError("email", "Enter the person's email address")])
    if len(email) > 254 or not valid_email(email):
        return await _page(visit, typed=email, errors=[FieldError("email", EMAIL_MESSAGE)])
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        row = await subject_access.request_export(
            connection,
            email=email,
            subject=None,
            requested_by=visit.officer.subject,
            requested_by_name=visit.casework_officer.name,
        )
        await jobs.defer_subject_access(connection, council.slug, row["id"])
    return visit.redirect("/staff/privacy?done=asked")


@get("/privacy/subject-access/{request_id:str}/file", opt=requires(Permission.MANAGE_COUNCIL))
async def subject_access_file(staff_visit: NamedDependency[StaffVisit], request_id: FromPath[str]) -> Stream:
    council = staff_visit.web.council
    row = None
    if request_id.isdecimal() and len(request_id) < 19:
        async with tenant_connection(staff_visit.services.database.engine, council) as connection:
            row = await subject_access.read_request(connection, int(request_id))
    found = await subject_access.open_export_file(staff_visit.services.files, council.slug, row) if row else None
    if found is None:
        raise Problem(
            404, "Export not found", f"There is no export {request_id} ready to download.", name="export-not-found"
        )
    name, opened = found
    return stored_file_response(
        opened, "application/zip", filename=name, headers={"cache-control": "private, no-store"}
    )


HANDLERS = [privacy_home, ask_for_subject_access, subject_access_file]
