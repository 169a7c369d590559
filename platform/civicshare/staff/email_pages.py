"""The council's emails to residents in the back office, for its administrators: the wording of each
kind of message (with a preview before saving), the reply-to address, and what was sent or held back."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.db.engine import tenant_connection
from civicshare.notifications.email import service, store
from civicshare.notifications.email.operations import kind_named
from civicshare.notifications.email.wording import (
    BODY_MAX_LENGTH,
    PLACEHOLDERS,
    MessageTemplate,
    TemplateProblem,
)
from civicshare.notifications.events import EventKind
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit
from civicshare.web.site import FieldError

STATUS_TAGS = {
    "sent": ("Sent", "govuk-tag--green"),
    "held": ("Held back", "govuk-tag--yellow"),
    "failed": ("Not sent", "govuk-tag--red"),
    "retrying": ("Trying again", "govuk-tag--blue"),
    "sending": ("Sending", "govuk-tag--grey"),
}
DONE = {"saved": "Template saved", "reset": "Template back to the standard wording", "settings": "Settings saved"}
_FIELDS = ("subject", "body_text", "body_html")


def _name(visit: StaffVisit) -> str:
    return visit.officer.email or visit.officer.display_name


@get("/email", opt=requires(Permission.MANAGE_COUNCIL))
async def email_home(staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None) -> Response[Any]:
    visit = staff_visit
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        templates = await store.templates_of(connection)
        chosen = await store.settings_of(connection)
        messages = await store.messages_of(connection, limit=25)
    return visit.page(
        "staff/email.html",
        title="Emails to residents",
        current="staff-email",
        templates=[(stored, service.KIND_NAMES[stored.template.kind]) for stored in templates],
        typed={"reply_to": chosen.reply_to or "", "admin_addresses": "\n".join(chosen.admin_addresses)},
        messages=messages,
        status_tags=STATUS_TAGS,
        errors=[],
        done=DONE.get(done or ""),
    )


def _form_page(
    visit: StaffVisit,
    kind: EventKind,
    typed: dict[str, str],
    *,
    errors: list[FieldError] | None = None,
    shown: service.Preview | None = None,
) -> Response[Any]:
    return visit.page(
        "staff/email_template.html",
        status=400 if errors else 200,
        title=service.KIND_NAMES[kind],
        current="staff-email",
        kind=kind.value,
        typed=typed,
        errors=errors or [],
        placeholders=PLACEHOLDERS[kind],
        preview=shown,
        body_max=BODY_MAX_LENGTH,
    )


def _kind(text: str) -> EventKind:
    return kind_named(text)


@get("/email/{kind:str}", opt=requires(Permission.MANAGE_COUNCIL))
async def email_template_form(staff_visit: NamedDependency[StaffVisit], kind: FromPath[str]) -> Response[Any]:
    chosen_kind = _kind(kind)
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        stored = await store.template_for(connection, chosen_kind)
        chosen = await store.settings_of(connection)
    template = stored.template
    typed = {"subject": template.subject, "body_text": template.body_text, "body_html": template.body_html or ""}
    return _form_page(staff_visit, chosen_kind, typed, shown=service.preview(staff_visit.web.council, template, chosen))


def _problems(problem: TemplateProblem) -> list[FieldError]:
    return [FieldError(field.split(".")[0], message) for field, message in problem.errors.items()]


@post("/email/{kind:str}", opt=requires(Permission.MANAGE_COUNCIL))
async def email_template_save(
    staff_visit: NamedDependency[StaffVisit], kind: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """`action=preview` shows the typed words as a resident would read them; `action=save` keeps them."""
    visit = staff_visit
    chosen_kind = _kind(kind)
    form = await visit.web.form()
    typed = {name: form.get(name, "").replace("\r\n", "\n") for name in _FIELDS}
    template = MessageTemplate(chosen_kind, typed["subject"], typed["body_text"], typed["body_html"] or None)
    engine = visit.services.database.engine
    try:
        if form.get("action") == "save":
            async with tenant_connection(engine, visit.web.council) as connection:
                await store.save_template(connection, template, _name(visit))
            return visit.redirect("/staff/email?done=saved")
        async with tenant_connection(engine, visit.web.council) as connection:
            chosen = await store.settings_of(connection)
        return _form_page(visit, chosen_kind, typed, shown=service.preview(visit.web.council, template, chosen))
    except TemplateProblem as problem:
        return _form_page(visit, chosen_kind, typed, errors=_problems(problem))


@post("/email/{kind:str}/reset", opt=requires(Permission.MANAGE_COUNCIL))
async def email_template_reset(
    staff_visit: NamedDependency[StaffVisit], kind: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        await store.reset_template(connection, _kind(kind))
    return staff_visit.redirect("/staff/email?done=reset")


@get("/email/{kind:str}/preview.html", opt=requires(Permission.MANAGE_COUNCIL))
async def email_template_preview(staff_visit: NamedDependency[StaffVisit], kind: FromPath[str]) -> Response[str]:
    """The saved template's HTML email, as a resident's mail reader shows it."""
    chosen_kind = _kind(kind)
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        template = (await store.template_for(connection, chosen_kind)).template
        chosen = await store.settings_of(connection)
    shown = service.preview(staff_visit.web.council, template, chosen)
    return Response(
        shown.html,
        media_type=MediaType.HTML,
        headers={
            "cache-control": "no-store",
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


@post("/email/settings", opt=requires(Permission.MANAGE_COUNCIL))
async def email_settings_save(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    typed = {"reply_to": form.get("reply_to", "").strip(), "admin_addresses": form.get("admin_addresses", "")}
    engine = visit.services.database.engine
    async with tenant_connection(engine, visit.web.council) as connection:
        current = await store.settings_of(connection)
        try:
            chosen = service.check_settings(
                typed["reply_to"],
                typed["admin_addresses"].split(),
                current.notify_template_ids,
                current.notify_reply_to_id,
                current.sms_template_ids,
                current.trial_phone_numbers,
            )
        except TemplateProblem as problem:
            errors = _problems(problem)
        else:
            await store.save_settings(connection, chosen, _name(visit))
            return visit.redirect("/staff/email?done=settings")
        templates = await store.templates_of(connection)
        messages = await store.messages_of(connection, limit=25)
    return visit.page(
        "staff/email.html",
        status=400,
        title="Emails to residents",
        current="staff-email",
        templates=[(stored, service.KIND_NAMES[stored.template.kind]) for stored in templates],
        typed=typed,
        messages=messages,
        status_tags=STATUS_TAGS,
        errors=errors,
        done=None,
    )


HANDLERS = [
    email_home,
    email_settings_save,
    email_template_form,
    email_template_save,
    email_template_reset,
    email_template_preview,
]
