"""The admin API's view of a council's email (/admin/v1/councils/{slug}/email/...): operators read and
change its templates and settings and read what it sent, each through that council's routed connection."""

from __future__ import annotations

from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from civicshare.admin.operators import CHANGES, READS
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.notifications.email import store
from civicshare.notifications.email.operations import (
    Limit,
    change_settings,
    change_template,
    kind_named,
    list_templates,
    preview_template,
)
from civicshare.notifications.email.schemas import (
    EmailSettingsBody,
    EmailSettingsResource,
    MessageResource,
    PreviewResource,
    TemplateBody,
    TemplateResource,
)
from civicshare.policy.operators import Operator
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext

Services = NamedDependency[PlatformServices]


async def _council(services: PlatformServices, slug: str) -> TenantContext:
    council = await services.directory.by_slug(slug)
    if council is None:
        raise Problem(404, "Council not found", f"There is no council {slug!r}.", name="council-not-found")
    return council


@get("/councils/{slug:str}/email/templates", tags=["admin"], opt=READS)
async def operator_templates(services: Services, slug: FromPath[str]) -> list[TemplateResource]:
    """A council's email templates."""
    async with tenant_connection(services.database.engine, await _council(services, slug)) as connection:
        return await list_templates(connection)


@put("/councils/{slug:str}/email/templates/{kind:str}", tags=["admin"], opt=CHANGES)
async def operator_change_template(
    services: Services, operator: NamedDependency[Operator], slug: FromPath[str], kind: FromPath[str],
    data: JSONBody[TemplateBody],
) -> TemplateResource:  # fmt: skip
    """Save a council's wording for one kind of message (422 with why when it could not be filled in)."""
    async with tenant_connection(services.database.engine, await _council(services, slug)) as connection:
        return await change_template(connection, kind_named(kind), data, f"operator {operator.name}")


@post("/councils/{slug:str}/email/templates/{kind:str}/preview", tags=["admin"], status_code=200, opt=CHANGES)
async def operator_preview_template(
    services: Services, slug: FromPath[str], kind: FromPath[str], data: JSONBody[TemplateBody | None] = None
) -> PreviewResource:
    council = await _council(services, slug)
    async with tenant_connection(services.database.engine, council) as connection:
        return await preview_template(connection, council, kind_named(kind), data)


@get("/councils/{slug:str}/email/settings", tags=["admin"], opt=READS)
async def operator_email_settings(services: Services, slug: FromPath[str]) -> EmailSettingsResource:
    async with tenant_connection(services.database.engine, await _council(services, slug)) as connection:
        return EmailSettingsResource.of(await store.settings_of(connection))


@put("/councils/{slug:str}/email/settings", tags=["admin"], opt=CHANGES)
async def operator_change_email_settings(
    services: Services, operator: NamedDependency[Operator], slug: FromPath[str], data: JSONBody[EmailSettingsBody]
) -> EmailSettingsResource:
    """A council's reply-to address, administrators' addresses and GOV.UK Notify ids."""
    async with tenant_connection(services.database.engine, await _council(services, slug)) as connection:
        return await change_settings(connection, data, f"operator {operator.name}")


@get("/councils/{slug:str}/email/messages", tags=["admin"], opt=READS)
async def operator_messages(
    services: Services, slug: FromPath[str], reference: FromQuery[str | None] = None, limit: FromQuery[Limit] = 50
) -> list[MessageResource]:
    """What a council sent, held back or could not send, newest first."""
    async with tenant_connection(services.database.engine, await _council(services, slug)) as connection:
        records = await store.messages_of(connection, reference=reference, limit=limit)
    return [MessageResource.of(record) for record in records]


HANDLERS = [
    operator_templates,
    operator_change_template,
    operator_preview_template,
    operator_email_settings,
    operator_change_email_settings,
    operator_messages,
]
