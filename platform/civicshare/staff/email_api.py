"""The email API for a council's administrators, on the council's own address: its templates (read,
preview, change, reset), its email settings and the messages it sent. Guarded by `council_admin`:
an administrator of another council is refused, and the connection is routed to this council only."""

from __future__ import annotations

from litestar import delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.identity.principal import Principal
from civicshare.notifications.email import store
from civicshare.notifications.email.operations import (
    Limit,
    change_settings,
    change_template,
    kind_named,
    list_templates,
    preview_template,
    read_template,
)
from civicshare.notifications.email.schemas import (
    EmailSettingsBody,
    EmailSettingsResource,
    MessageResource,
    PreviewResource,
    TemplateBody,
    TemplateResource,
)
from civicshare.policy import Permission, requires
from civicshare.tenancy.context import TenantContext

Admin = NamedDependency[Principal]
Db = NamedDependency[AsyncConnection]
Council = NamedDependency[TenantContext]


def _by(principal: Principal) -> str:
    return principal.email or principal.display_name


@get("/api/v1/staff/email/templates", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_templates(council_admin: Admin, tenant_db: Db) -> list[TemplateResource]:
    """The council's email templates for each kind of message, its own or the defaults."""
    return await list_templates(tenant_db)


@get("/api/v1/staff/email/templates/{kind:str}", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_template(council_admin: Admin, tenant_db: Db, kind: FromPath[str]) -> TemplateResource:
    """One template, with the placeholders it may use."""
    return await read_template(tenant_db, kind_named(kind))


@put("/api/v1/staff/email/templates/{kind:str}", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_change_template(
    council_admin: Admin, tenant_db: Db, kind: FromPath[str], data: JSONBody[TemplateBody]
) -> TemplateResource:
    """Save the council's own wording; a template that could not be filled in is refused (422) with why."""
    return await change_template(tenant_db, kind_named(kind), data, _by(council_admin))


@delete(
    "/api/v1/staff/email/templates/{kind:str}", tags=["email"], status_code=204, opt=requires(Permission.MANAGE_COUNCIL)
)
async def council_reset_template(council_admin: Admin, tenant_db: Db, kind: FromPath[str]) -> None:
    """Go back to the platform's default wording."""
    await store.reset_template(tenant_db, kind_named(kind))


@post(
    "/api/v1/staff/email/templates/{kind:str}/preview",
    tags=["email"],
    status_code=200,
    opt=requires(Permission.MANAGE_COUNCIL),
)
async def council_preview_template(
    council_admin: Admin,
    tenant_db: Db,
    tenant: Council,
    kind: FromPath[str],
    data: JSONBody[TemplateBody | None] = None,
) -> PreviewResource:
    """The message as a resident would get it, with sample values: of the template sent, else of the saved one."""
    return await preview_template(tenant_db, tenant, kind_named(kind), data)


@get("/api/v1/staff/email/settings", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_email_settings(council_admin: Admin, tenant_db: Db) -> EmailSettingsResource:
    """Reply-to address, administrators' addresses for platform messages, GOV.UK Notify ids."""
    return EmailSettingsResource.of(await store.settings_of(tenant_db))


@put("/api/v1/staff/email/settings", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_change_email_settings(
    council_admin: Admin, tenant_db: Db, data: JSONBody[EmailSettingsBody]
) -> EmailSettingsResource:
    return await change_settings(tenant_db, data, _by(council_admin))


@get("/api/v1/staff/email/messages", tags=["email"], opt=requires(Permission.MANAGE_COUNCIL))
async def council_messages(
    council_admin: Admin, tenant_db: Db, reference: FromQuery[str | None] = None, limit: FromQuery[Limit] = 50
) -> list[MessageResource]:
    """The emails the council sent, held back (trial mode) or could not send, newest first."""
    return [
        MessageResource.of(record) for record in await store.messages_of(tenant_db, reference=reference, limit=limit)
    ]


HANDLERS = [
    council_templates,
    council_template,
    council_change_template,
    council_reset_template,
    council_preview_template,
    council_email_settings,
    council_change_email_settings,
    council_messages,
]
