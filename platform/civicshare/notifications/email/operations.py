"""The email API's operations on one council's routed connection, shared by the council administrators'
API (`civicshare.staff.email_api`) and the operators' admin API (`civicshare.admin.email`)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.http.problems import Problem
from civicshare.notifications.email import service, store
from civicshare.notifications.email.schemas import (
    EmailSettingsBody,
    EmailSettingsResource,
    PreviewResource,
    TemplateBody,
    TemplateResource,
)
from civicshare.notifications.email.wording import EMAILED_KINDS, MessageTemplate, TemplateProblem
from civicshare.notifications.events import EventKind
from civicshare.tenancy.context import TenantContext

Limit = Annotated[int, Parameter(ge=1, le=200, description="how many messages, newest first")]


def template_problem(problem: TemplateProblem, detail: str = "The template cannot be saved.") -> Problem:
    listed = [{"field": field, "message": message} for field, message in problem.errors.items()]
    return Problem(422, "Invalid request", detail, name="validation-failed", extra={"errors": listed})


def kind_named(text: str) -> EventKind:
    try:
        return service.kind_of(text)
    except service.UnknownKind:
        kinds = ", ".join(kind.value for kind in EMAILED_KINDS)
        raise Problem(
            404, "Template not found", f"There is no email template {text!r}; the templates are {kinds}.",
            name="email-template-not-found",
        ) from None  # fmt: skip


def _template(kind: EventKind, data: TemplateBody) -> MessageTemplate:
    return MessageTemplate(kind, data.subject, data.body_text, data.body_html)


# -- the operations, on one council's routed connection ----------------------------------------------


async def list_templates(connection: AsyncConnection) -> list[TemplateResource]:
    return [
        TemplateResource.of(stored, service.KIND_NAMES[stored.template.kind])
        for stored in await store.templates_of(connection)
    ]


async def read_template(connection: AsyncConnection, kind: EventKind) -> TemplateResource:
    return TemplateResource.of(await store.template_for(connection, kind), service.KIND_NAMES[kind])


async def change_template(
    connection: AsyncConnection, kind: EventKind, data: TemplateBody, by: str
) -> TemplateResource:
    try:
        saved = await store.save_template(connection, _template(kind, data), by)
    except TemplateProblem as problem:
        raise template_problem(problem) from None
    return TemplateResource.of(saved, service.KIND_NAMES[kind])


async def preview_template(
    connection: AsyncConnection, council: TenantContext, kind: EventKind, data: TemplateBody | None
) -> PreviewResource:
    template = _template(kind, data) if data is not None else (await store.template_for(connection, kind)).template
    try:
        shown = service.preview(council, template, await store.settings_of(connection))
    except TemplateProblem as problem:
        raise template_problem(problem, "The template cannot be previewed.") from None
    return PreviewResource(shown.subject, shown.text, shown.html)


async def change_settings(connection: AsyncConnection, data: EmailSettingsBody, by: str) -> EmailSettingsResource:
    try:
        chosen = service.check_settings(
            data.reply_to,
            data.admin_addresses,
            data.notify_template_ids,
            data.notify_reply_to_id,
            data.sms_template_ids,
            data.trial_phone_numbers,
        )
    except TemplateProblem as problem:
        raise template_problem(problem, "The email settings cannot be saved.") from None
    await store.save_settings(connection, chosen, by)
    return EmailSettingsResource.of(chosen)
