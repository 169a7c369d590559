"""Residents' personal data on the council's site: the privacy notice (built from the services' own
declarations and the council's retention periods), a copy of everything the council holds about the
signed-in resident, and deleting their account (a GOV.UK confirmation page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from civicshare.api.identity import platform_cookie
from civicshare.api.stored_files import stored_file_response
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.sessions import SESSION_COOKIE
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.policy import PUBLIC
from civicshare.privacy import accounts, jobs, subject_access
from civicshare.privacy.notices import service_notices
from civicshare.privacy.rules import council_rules
from civicshare.web.site import WebRequest


@get("/privacy", opt=PUBLIC)
async def privacy(web: NamedDependency[WebRequest]) -> Response[Any]:
    council = web.council
    services = web.site.services
    offerings = await services.offerings.for_council(council)
    async with tenant_connection(services.database.engine, council) as connection:
        rules = await council_rules(connection, services.registry, council)
    notices = service_notices((offering.service for offering in offerings), rules)
    return web.page("privacy.html", notices=notices)


def _sign_in_first(web: WebRequest, path: str) -> Response[Any]:
    return web.redirect(f"/auth/sign-in?{urlencode({'next': path})}")


@get("/account/your-data", opt=PUBLIC)
async def your_data(web: NamedDependency[WebRequest]) -> Response[Any]:
    """The resident's copies of what this council holds about them, and a button to ask for one."""
    if web.resident is None:
        return _sign_in_first(web, "/account/your-data")
    async with tenant_connection(web.site.services.database.engine, web.council) as connection:
        mine = [
            row
            for row in await subject_access.recent_requests(connection, limit=200)
            if row["person_subject"] == web.resident.subject
        ][:5]
    waiting = any(row["state"] in ("queued", "running") for row in mine)
    return web.page("your_data.html", current="your-data", exports=mine, waiting=waiting)


@post("/account/your-data", opt=PUBLIC)
async def ask_for_your_data(web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None]) -> Response[Any]:
    if web.resident is None:
        return _sign_in_first(web, "/account/your-data")
    council = web.council
    async with tenant_connection(web.site.services.database.engine, council) as connection:
        row = await subject_access.request_export(
            connection,
            email=web.resident.email,
            subject=web.resident.subject,
            requested_by=f"resident:{web.resident.subject}",
            requested_by_name="the resident",
        )
        await jobs.defer_subject_access(connection, council.slug, row["id"])
    return web.redirect("/account/your-data")


@get("/account/your-data/{request_id:str}/file", opt=PUBLIC)
async def your_data_file(web: NamedDependency[WebRequest], request_id: FromPath[str]) -> Stream:
    council = web.council
    row = None
    if web.resident is not None and request_id.isdecimal() and len(request_id) < 19:
        async with tenant_connection(web.site.services.database.engine, council) as connection:
            row = await subject_access.read_request(connection, int(request_id))
    mine = row is not None and web.resident is not None and row["person_subject"] == web.resident.subject
    found = await subject_access.open_export_file(web.site.services.files, council.slug, row) if row and mine else None
    if found is None:
        raise Problem(404, "Not found", "There is no copy of your data with that number ready.", name="not-found")
    name, opened = found
    return stored_file_response(
        opened, "application/zip", filename=name, headers={"cache-control": "private, no-store"}
    )


@get("/account/delete", opt=PUBLIC)
async def delete_account_page(web: NamedDependency[WebRequest]) -> Response[Any]:
    if web.resident is None:
        return _sign_in_first(web, "/account/delete")
    return web.page("delete_account.html", current="delete-account")


@post("/account/delete", opt=PUBLIC)
async def delete_account(web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None]) -> Response[Any]:
    """Delete the resident's account everywhere; their data at every council follows each council's rules."""
    if web.resident is None:
        return _sign_in_first(web, "/account/delete")
    services = web.site.services
    resident = web.resident
    if services.identity is None or not resident.email:
        raise Problem(503, "Sorry, there is a problem", "Your account cannot be deleted just now. Try again later.")
    try:
        await accounts.delete_account(
            services.database.engine,
            services.identity.directory,
            resident.email,
            requested_by=f"resident:{resident.subject}",
            requested_by_name="the resident",
        )
    except IdentityUnavailable:
        raise Problem(
            503, "Sorry, there is a problem", "Your account cannot be deleted just now. Try again later."
        ) from None
    except accounts.NoSuchAccount:
        pass  # deleted already (a second click): the same confirmation
    page = web.page("account_deleted.html", resident=None)
    page.cookies.append(platform_cookie(web.request, SESSION_COOKIE, "", 0))
    return page


PRIVACY_HANDLERS = [privacy, your_data, ask_for_your_data, your_data_file, delete_account_page, delete_account]
