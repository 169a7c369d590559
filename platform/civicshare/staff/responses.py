"""Response templates in the back office: council administrators write them, officers pick one when they
close or update a request (on the request's page)."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.casework.responses import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ResponseTemplate,
    delete_template,
    find_template,
    save_template,
    templates_for,
)
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.web.site import FieldError

ALL_SERVICES = ""


def _template_not_found() -> Problem:
    return Problem(404, "Template not found", "There is no such response template.", name="template-not-found")


async def _offerings(visit: StaffVisit) -> CouncilOfferings:
    return await visit.services.offerings.for_council(visit.web.council)


def _service_options(offerings: CouncilOfferings) -> list[dict[str, str]]:
    return [{"value": ALL_SERVICES, "label": "Any service"}] + [{"value": o.code, "label": o.title} for o in offerings]


@get("/responses", opt=requires(Permission.VIEW_REQUESTS))
async def response_templates(
    staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None
) -> Response[Any]:
    visit = staff_visit
    offerings = await _offerings(visit)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        templates = await templates_for(connection)
    titles = {o.code: o.title for o in offerings}
    return visit.page(
        "staff/responses.html",
        title="Response templates",
        current="staff-responses",
        templates=[(template, titles.get(template.service or "", "Any service")) for template in templates],
        can_change=visit.may(Permission.MANAGE_COUNCIL),
        done={"saved": "Template saved", "removed": "Template removed"}.get(done or ""),
    )


def _form_page(
    visit: StaffVisit,
    offerings: CouncilOfferings,
    typed: dict[str, str],
    *,
    template_id: int | None = None,
    errors: list[FieldError] | None = None,
) -> Response[Any]:
    return visit.page(
        "staff/response_form.html",
        status=400 if errors else 200,
        title="Change a response template" if template_id else "Add a response template",
        current="staff-responses",
        typed=typed,
        template_id=template_id,
        errors=errors or [],
        service_options=_service_options(offerings),
        title_max=TITLE_MAX_LENGTH,
        body_max=BODY_MAX_LENGTH,
    )


@get("/responses/new", opt=requires(Permission.MANAGE_COUNCIL))
async def new_response_template(staff_visit: NamedDependency[StaffVisit]) -> Response[Any]:
    return _form_page(staff_visit, await _offerings(staff_visit), {"service": "", "title": "", "body": ""})


async def _existing(visit: StaffVisit, template_id: int) -> ResponseTemplate:
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        found = await find_template(connection, template_id)
    if found is None:
        raise _template_not_found()
    return found


@get("/responses/{template_id:str}/edit", opt=requires(Permission.MANAGE_COUNCIL))
async def edit_response_template(staff_visit: NamedDependency[StaffVisit], template_id: FromPath[str]) -> Response[Any]:
    found = await _existing(staff_visit, _template_id(template_id))
    typed = {"service": found.service or "", "title": found.title, "body": found.body}
    return _form_page(staff_visit, await _offerings(staff_visit), typed, template_id=found.id)


def _template_id(text: str) -> int:
    """A template's id from the address; anything else is simply not a template (never a 500)."""
    if not text.isdecimal() or len(text) > 18:
        raise _template_not_found()
    return int(text)


async def _save(visit: StaffVisit, template_id: int | None) -> Response[Any]:
    offerings = await _offerings(visit)
    form = await visit.web.form()
    typed = {key: form.get(key, "").strip() for key in ("service", "title", "body")}
    errors = text_problems("title", "Title", typed["title"], TITLE_MAX_LENGTH)
    errors += text_problems("body", "Text", typed["body"], BODY_MAX_LENGTH)
    if not typed["title"]:
        errors.append(FieldError("title", "Enter a title"))
    if not typed["body"]:
        errors.append(FieldError("body", "Enter the text the resident will read"))
    if typed["service"] != ALL_SERVICES and offerings.offering(typed["service"]) is None:
        errors.append(FieldError("service", "Select a service this council offers, or any service"))
    if errors:
        return _form_page(visit, offerings, typed, template_id=template_id, errors=errors)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        saved = await save_template(
            connection,
            visit.casework_officer,
            service=typed["service"] or None,
            title=typed["title"],
            body=typed["body"],
            template_id=template_id,
        )
    if not saved:
        raise _template_not_found()
    return visit.redirect("/staff/responses?done=saved")


@post("/responses/new", opt=requires(Permission.MANAGE_COUNCIL))
async def add_response_template(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    return await _save(staff_visit, None)


@post("/responses/{template_id:str}/edit", opt=requires(Permission.MANAGE_COUNCIL))
async def change_response_template(
    staff_visit: NamedDependency[StaffVisit], template_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    return await _save(staff_visit, _template_id(template_id))


@post("/responses/{template_id:str}/remove", opt=requires(Permission.MANAGE_COUNCIL))
async def remove_response_template(
    staff_visit: NamedDependency[StaffVisit], template_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        await delete_template(connection, staff_visit.casework_officer, _template_id(template_id))
    return staff_visit.redirect("/staff/responses?done=removed")


HANDLERS = [
    response_templates,
    new_response_template,
    edit_response_template,
    add_response_template,
    change_response_template,
    remove_response_template,
]
