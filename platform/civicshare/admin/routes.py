"""The admin API's handlers (/admin/v1): thin — parse, call a service in a transaction, shape the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, delete, get, patch, post, put
from litestar.datastructures import ResponseHeader, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body, FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.response import Stream
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import (
    accounts,
    archive,
    audit,
    branding,
    councils,
    deliveries,
    export_jobs,
    front_doors,
    groups,
    keys,
    offboarding,
    privacy,
    usage,
)
from civicshare.admin import boundaries as council_boundaries
from civicshare.admin import closed_months as savings_closed_months
from civicshare.admin import email as council_email
from civicshare.admin.audit import audit_query
from civicshare.admin.errors import conflict, invalid, not_found
from civicshare.admin.openapi import admin_schema_json, admin_schema_page
from civicshare.admin.operators import CHANGES, READS, provide_operator
from civicshare.admin.pagination import Cursor, Limit, decode_cursor, next_cursor
from civicshare.admin.schemas import (
    ApiKeyPage,
    ApiKeyResource,
    AuditEvent,
    AuditPage,
    BrandingChanges,
    CouncilChanges,
    CouncilPage,
    CouncilResource,
    CreatedApiKey,
    ExportJobResource,
    ExportPage,
    ExportResource,
    GroupModuleBody,
    GroupPage,
    GroupResource,
    ModeChange,
    ModuleChoiceBody,
    ModuleResource,
    NewApiKey,
    NewDomain,
    PurgeRequest,
    PurgeResult,
    TestDataPurged,
    UsagePage,
)
from civicshare.admin.tables import audit_events, council_exports, operator_api_keys
from civicshare.api.errors import _respond
from civicshare.api.stored_files import stored_file_response
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.policy.operators import Operator, OperatorScope
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.storage import FileMissing
from civicshare.tenancy.contact import AccessibilityDefinition, ContactDefinition
from civicshare.tenancy.context import TenantMode, TenantStatus
from civicshare.tenancy.definitions import DOMAIN_PATTERN, TenantDefinition
from civicshare.tenancy.files import LOGO_MAX_BYTES
from civicshare.tenancy.lifecycle import announce_council_changes
from civicshare.tenancy.records import load_tenant_context
from civicshare.tenancy.tables import service_groups, tenants

Services = NamedDependency[PlatformServices]
CurrentOperator = NamedDependency[Operator]
SlugPath = Annotated[str, PathParameter(description="the council's slug", max_length=63)]


@asynccontextmanager
async def changing(services: PlatformServices, council: str | None = None) -> AsyncIterator[AsyncConnection]:
    """One transaction for a change and its audit entry; afterwards every council lookup sees it, and the
    parts that follow a council's state (its identity organization) are told once it has committed."""
    changed = None
    try:
        async with services.database.engine.begin() as connection:
            yield connection
            if council is not None and services.lifecycle_hooks:
                # Read in the change's own transaction: no second wait for a pooled connection under load.
                changed = await load_tenant_context(connection, council)
    finally:
        services.directory.invalidate()
    if changed is not None:
        await announce_council_changes(services.lifecycle_hooks, [changed])


@asynccontextmanager
async def reading(services: PlatformServices) -> AsyncIterator[AsyncConnection]:
    async with services.database.engine.connect() as connection:
        yield connection


# --- councils ---------------------------------------------------------------------------------------


@get("/councils", summary="List councils", opt=READS)
async def list_councils(
    services: Services,
    status: FromQuery[Literal["active", "suspended", "offboarding"] | None] = None,
    mode: FromQuery[Literal["trial", "live"] | None] = None,
    group: FromQuery[str | None] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CouncilPage:
    after = decode_cursor("councils", cursor)
    conditions = []
    if status is not None:
        conditions.append(tenants.c.status == status)
    if mode is not None:
        conditions.append(tenants.c.mode == mode)
    if group is not None:
        conditions.append(tenants.c.group_id.in_(select(service_groups.c.id).where(service_groups.c.slug == group)))
    if after is not None:
        conditions.append(tenants.c.slug > str(after))
    async with reading(services) as connection:
        found = await councils.council_resources(connection, *conditions, limit=limit + 1)
    return CouncilPage(items=found[:limit], next_cursor=next_cursor("councils", found, limit, lambda c: c.slug))


@post("/councils", summary="Onboard a council (provisions and migrates its schema)", opt=CHANGES)
async def onboard_council(
    services: Services, operator: CurrentOperator, data: JSONBody[TenantDefinition]
) -> CouncilResource:
    """The same fields as `tenants/<slug>.toml`. Answers once the council serves requests on its host."""
    async with changing(services, data.slug) as connection:
        return await councils.onboard(connection, services.modules, operator, data)


@get("/councils/{slug:str}", summary="Read a council", opt=READS)
async def read_council(services: Services, slug: SlugPath) -> CouncilResource:
    async with reading(services) as connection:
        return await councils.council_resource(connection, slug)


@patch("/councils/{slug:str}", summary="Change a council's details", opt=CHANGES)
async def update_council(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[CouncilChanges]
) -> CouncilResource:
    changes = data.model_dump(mode="json", include=data.model_fields_set)

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        return {**definition, **changes}

    council = await services.directory.by_slug(slug)
    if council is None or not {"unit_costs", "unit_cost_overrides"} & data.model_fields_set:
        async with changing(services, slug) as connection:
            return await councils.change_definition(
                connection, services.modules, operator, slug, "council.updated", apply
            )
    async with tenant_connection(services.database.engine, council) as guard:
        await savings_closed_months.refuse_repricing_closed_months(guard, council, apply)
        async with changing(services, slug) as connection:
            return await councils.change_definition(
                connection, services.modules, operator, slug, "council.updated", apply
            )


async def _status(
    services: PlatformServices, operator: Operator, slug: FromPath[str], to: TenantStatus, action: str
) -> Any:
    async with changing(services, slug) as connection:
        return await councils.change_council_status(connection, operator, slug, to, action)


@post("/councils/{slug:str}/suspend", status_code=200, summary="Suspend a council (residents get 503)", opt=CHANGES)
async def suspend_council(services: Services, operator: CurrentOperator, slug: SlugPath) -> CouncilResource:
    result: CouncilResource = await _status(services, operator, slug, TenantStatus.SUSPENDED, "council.suspended")
    return result


@post("/councils/{slug:str}/resume", status_code=200, summary="Resume a suspended council", opt=CHANGES)
async def resume_council(services: Services, operator: CurrentOperator, slug: SlugPath) -> CouncilResource:
    result: CouncilResource = await _status(services, operator, slug, TenantStatus.ACTIVE, "council.resumed")
    return result


@post(
    "/councils/{slug:str}/offboard",
    status_code=200,
    summary="Start offboarding (grace period, then purge)",
    opt=CHANGES,
)
async def offboard_council(services: Services, operator: CurrentOperator, slug: SlugPath) -> CouncilResource:
    grace = timedelta(days=services.settings.offboarding_grace_days)
    async with changing(services, slug) as connection:
        return await councils.start_offboarding(connection, operator, slug, grace=grace)


@post("/councils/{slug:str}/purge", status_code=200, summary="Drop an offboarded council's schema", opt=CHANGES)
async def purge_council(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[PurgeRequest | None] = None
) -> PurgeResult:
    async with changing(services) as connection:
        return await offboarding.purge_council(connection, operator, slug, force=bool(data and data.force))


@put("/councils/{slug:str}/mode", summary="Switch a council between trial and live", opt=CHANGES)
async def change_mode(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[ModeChange]
) -> CouncilResource:
    async with changing(services) as connection:
        return await councils.change_mode(connection, operator, slug, TenantMode(data.mode))


@post(
    "/councils/{slug:str}/test-data/purge", status_code=200, summary="Delete a council's test transactions", opt=CHANGES
)
async def purge_test_data(services: Services, operator: CurrentOperator, slug: SlugPath) -> TestDataPurged:
    async with changing(services) as connection:
        return await councils.purge_test_data(connection, operator, slug)


# --- modules ----------------------------------------------------------------------------------------


@get("/councils/{slug:str}/modules", summary="Modules of a council (its own choices over its group's)", opt=READS)
async def council_modules(services: Services, slug: SlugPath) -> list[ModuleResource]:
    async with reading(services) as connection:
        return (await councils.council_resource(connection, slug)).modules


@put(
    "/councils/{slug:str}/modules/{code:str}",
    summary="Enable or disable a module for a council, with settings",
    opt=CHANGES,
)
async def set_council_module(
    services: Services, operator: CurrentOperator, slug: SlugPath, code: FromPath[str], data: JSONBody[ModuleChoiceBody]
) -> CouncilResource:
    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        return {**definition, "modules": {**definition.get("modules", {}), code: data.model_dump(mode="json")}}

    action = "council.module_enabled" if data.enabled else "council.module_disabled"
    async with changing(services) as connection:
        return await councils.change_definition(connection, services.modules, operator, slug, action, apply)


@delete(
    "/councils/{slug:str}/modules/{code:str}",
    status_code=200,
    summary="Drop a council's own module choice",
    opt=CHANGES,
)
async def remove_council_module(
    services: Services, operator: CurrentOperator, slug: SlugPath, code: FromPath[str]
) -> CouncilResource:
    """The module falls back to the council's group (if the group offers it)."""

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        modules = dict(definition.get("modules", {}))
        if modules.pop(code, None) is None:
            raise not_found("Module", f"Council {slug!r} has no choice of its own for module {code!r}.")
        return {**definition, "modules": modules}

    async with changing(services) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.module_removed", apply
        )


# --- domains and branding ---------------------------------------------------------------------------


@post("/councils/{slug:str}/domains", summary="Add a domain a council answers on", opt=CHANGES)
async def add_domain(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[NewDomain]
) -> CouncilResource:
    domain = data.domain.strip().lower().rstrip(".")
    if not DOMAIN_PATTERN.match(domain):
        raise invalid([("domain", f"{data.domain!r} is not a valid domain name")])

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        if domain in definition.get("domains", []):
            raise conflict(f"council {slug!r} already answers on {domain}", "domain-taken")
        return {**definition, "domains": [*definition.get("domains", []), domain]}

    async with changing(services, slug) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.domain_added", apply
        )


@delete("/councils/{slug:str}/domains/{domain:str}", status_code=200, summary="Remove a council's domain", opt=CHANGES)
async def remove_domain(
    services: Services, operator: CurrentOperator, slug: SlugPath, domain: FromPath[str]
) -> CouncilResource:
    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        domains = list(definition.get("domains", []))
        if domain.lower() not in domains:
            raise not_found("Domain", f"Council {slug!r} does not answer on {domain}.")
        return {**definition, "domains": [d for d in domains if d != domain.lower()]}

    async with changing(services, slug) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.domain_removed", apply
        )


@patch("/councils/{slug:str}/branding", summary="Change a council's colours or logo text", opt=CHANGES)
async def change_branding(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[BrandingChanges]
) -> CouncilResource:
    changes = data.model_dump(mode="json", include=data.model_fields_set)

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        return {**definition, "branding": {**definition.get("branding", {}), **changes}}

    async with changing(services) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.branding_changed", apply
        )


@put("/councils/{slug:str}/contact", summary="Set how residents contact a council other than online", opt=CHANGES)
async def set_contact(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[ContactDefinition]
) -> CouncilResource:
    """The contact page, and the other ways to do a service on its start pages."""
    contact = data.model_dump(mode="json")

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        return {**definition, "contact": contact}

    async with changing(services) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.contact_changed", apply
        )


@put(
    "/councils/{slug:str}/accessibility-statement",
    summary="Set what a council's accessibility statement says of its compliance",
    opt=CHANGES,
)
async def set_accessibility_statement(
    services: Services, operator: CurrentOperator, slug: SlugPath, data: JSONBody[AccessibilityDefinition]
) -> CouncilResource:
    statement = data.model_dump(mode="json")

    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        return {**definition, "accessibility": statement}

    async with changing(services) as connection:
        return await councils.change_definition(
            connection, services.modules, operator, slug, "council.accessibility_changed", apply
        )


@put(
    "/councils/{slug:str}/branding/logo",
    summary="Upload a council's logo (PNG or SVG, 200 KB at most)",
    request_max_body_size=LOGO_MAX_BYTES + 100_000,
    opt=CHANGES,
)
async def upload_logo(
    services: Services,
    operator: CurrentOperator,
    slug: SlugPath,
    data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> CouncilResource:
    sent = next(iter(data.values()), None)
    if sent is None:
        raise invalid([("data", "Choose the logo file to upload (a PNG or SVG)")])
    logo = branding.recognise_logo(await sent.read())
    async with changing(services) as connection:
        await branding.set_logo(connection, operator, slug, logo)
        return await councils.council_resource(connection, slug)


@delete("/councils/{slug:str}/branding/logo", summary="Remove a council's logo", opt=CHANGES)
async def remove_logo(services: Services, operator: CurrentOperator, slug: SlugPath) -> None:
    async with changing(services) as connection:
        if not await branding.remove_logo(connection, operator, slug):
            raise not_found("Logo", f"Council {slug!r} has no logo.")


# --- groups -----------------------------------------------------------------------------------------


@get("/groups", summary="List shared-service groups", opt=READS)
async def list_groups(services: Services, cursor: Cursor = None, limit: Limit = 50) -> GroupPage:
    after = decode_cursor("groups", cursor)
    conditions = [service_groups.c.slug > str(after)] if after is not None else []
    async with reading(services) as connection:
        found = await groups.group_resources(connection, *conditions, limit=limit + 1)
    return GroupPage(items=found[:limit], next_cursor=next_cursor("groups", found, limit, lambda g: g.slug))


@get("/groups/{slug:str}", summary="Read a shared-service group", opt=READS)
async def read_group(services: Services, slug: FromPath[str]) -> GroupResource:
    async with reading(services) as connection:
        return await groups.group_resource(connection, slug)


@put(
    "/groups/{slug:str}/modules/{code:str}",
    summary="Offer a module to every member of a group, with settings",
    opt=CHANGES,
)
async def set_group_module(
    services: Services,
    operator: CurrentOperator,
    slug: FromPath[str],
    code: FromPath[str],
    data: JSONBody[GroupModuleBody],
) -> GroupResource:
    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        modules = {**definition.get("modules", {}), code: {"enabled": True, "settings": data.settings}}
        return {**definition, "modules": modules}

    async with changing(services) as connection:
        return await groups.change_group(connection, services.modules, operator, slug, "group.module_enabled", apply)


@delete(
    "/groups/{slug:str}/modules/{code:str}", status_code=200, summary="Stop offering a module to a group", opt=CHANGES
)
async def remove_group_module(
    services: Services, operator: CurrentOperator, slug: FromPath[str], code: FromPath[str]
) -> GroupResource:
    def apply(definition: dict[str, Any]) -> dict[str, Any]:
        modules = dict(definition.get("modules", {}))
        if modules.pop(code, None) is None:
            raise not_found("Module", f"Group {slug!r} does not offer module {code!r}.")
        return {**definition, "modules": modules}

    async with changing(services) as connection:
        return await groups.change_group(connection, services.modules, operator, slug, "group.module_removed", apply)


# --- exports ----------------------------------------------------------------------------------------


def _export_job_answer(job: ExportJobResource, status_code: int) -> Response[ExportJobResource]:
    headers = {"Location": job.poll_url}
    if job.state in ("queued", "running"):
        headers["Retry-After"] = str(export_jobs.POLL_SECONDS)
    return Response(job, status_code=status_code, headers=headers)


@post(
    "/councils/{slug:str}/exports",
    status_code=202,
    summary="Start exporting everything a council owns (answers 202 with an export job to poll)",
    response_headers=[
        ResponseHeader(name="Location", description="the export job to poll", documentation_only=True),
        ResponseHeader(name="Retry-After", description="seconds to wait before polling", documentation_only=True),
    ],
    opt=CHANGES,
)
async def export_council(services: Services, operator: CurrentOperator, slug: SlugPath) -> Response[ExportJobResource]:
    """The job worker writes the archive. Poll the `Location` until `state` is `done` (the archive then
    downloads from `download_url`) or `failed` (`error` says why)."""
    async with changing(services) as connection:
        job = await export_jobs.request_export(connection, operator, slug)
    return _export_job_answer(job, 202)


@get("/councils/{slug:str}/export-jobs/{job_id:int}", summary="Poll a council export job", opt=READS)
async def read_export_job(services: Services, slug: SlugPath, job_id: FromPath[int]) -> Response[ExportJobResource]:
    """`queued` or `running` (with `Retry-After`), `done` with its archive's record and download link,
    or `failed` with why."""
    async with reading(services) as connection:
        job = await export_jobs.read_job(connection, slug, job_id)
    return _export_job_answer(job, 200)


@get("/exports", summary="List council exports", opt=READS)
async def list_exports(
    services: Services, council: FromQuery[str | None] = None, cursor: Cursor = None, limit: Limit = 50
) -> ExportPage:
    before = decode_cursor("exports", cursor)
    query = select(council_exports).order_by(council_exports.c.id.desc()).limit(limit + 1)
    if council is not None:
        query = query.where(council_exports.c.council == council)
    if before is not None:
        query = query.where(council_exports.c.id < int(before))
    async with reading(services) as connection:
        rows = [archive.export_resource(dict(row)) for row in (await connection.execute(query)).mappings()]
    return ExportPage(items=rows[:limit], next_cursor=next_cursor("exports", rows, limit, lambda e: e.id))


async def _export_row(services: PlatformServices, export_id: FromPath[int]) -> dict[str, Any]:
    async with reading(services) as connection:
        row = (
            (await connection.execute(select(council_exports).where(council_exports.c.id == export_id)))
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise not_found("Export", f"There is no export {export_id}.")
    return dict(row)


@get("/exports/{export_id:int}", summary="Read an export's record", opt=READS)
async def read_export(services: Services, export_id: FromPath[int]) -> ExportResource:
    return archive.export_resource(await _export_row(services, export_id))


@get(
    "/exports/{export_id:int}/archive",
    summary="Download an export archive (zip)",
    media_type="application/zip",
    opt=READS,
)
async def download_export(services: Services, export_id: FromPath[int]) -> Stream:
    row = await _export_row(services, export_id)
    try:
        opened = await archive.council_exports_files(services.files, row["council"]).open(row["file_name"])
    except FileMissing:
        raise Problem(
            410, "Archive gone", f"The file of export {export_id} is no longer kept.", name="export-gone"
        ) from None
    return stored_file_response(opened, "application/zip", filename=row["file_name"])


# --- operator keys ----------------------------------------------------------------------------------


def _key(row: dict[str, Any]) -> ApiKeyResource:
    return ApiKeyResource.model_validate(row)


@get("/api-keys", summary="List operator API keys (never their secrets)", opt=READS)
async def list_keys(
    services: Services,
    key_scope: Annotated[Literal["read", "full"] | None, QueryParameter(name="scope")] = None,
    include_revoked: FromQuery[bool] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ApiKeyPage:
    after = decode_cursor("api-keys", cursor)
    query = select(*keys.key_columns()).order_by(operator_api_keys.c.id).limit(limit + 1)
    if key_scope is not None:
        query = query.where(operator_api_keys.c.scope == key_scope)
    if not include_revoked:
        query = query.where(operator_api_keys.c.revoked_at.is_(None))
    if after is not None:
        query = query.where(operator_api_keys.c.id > int(after))
    async with reading(services) as connection:
        rows = [_key(dict(row)) for row in (await connection.execute(query)).mappings()]
    return ApiKeyPage(items=rows[:limit], next_cursor=next_cursor("api-keys", rows, limit, lambda k: k.id))


@post("/api-keys", summary="Create an operator API key (shown once)", opt=CHANGES)
async def create_key(services: Services, operator: CurrentOperator, data: JSONBody[NewApiKey]) -> CreatedApiKey:
    expires = datetime.now(UTC) + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    async with changing(services) as connection:
        created = await keys.create_key(
            connection, name=data.name, scope=OperatorScope(data.scope), expires_at=expires, created_by=operator.id
        )
        await _audit_key(connection, operator, "api_key.created", None, created.row)
    return CreatedApiKey.model_validate({**created.row, "key": created.key})


async def _audit_key(
    connection: AsyncConnection, operator: Operator, action: str, before: Any, after: dict[str, Any]
) -> None:
    await audit.record(connection, operator, action, before=before, after=_key(after).model_dump())


@get("/api-keys/{key:int}", summary="Read an operator API key", opt=READS)
async def read_key(services: Services, key: FromPath[int]) -> ApiKeyResource:
    async with reading(services) as connection:
        row = await keys.get_key(connection, key)
    if row is None:
        raise not_found("API key", f"There is no operator API key {key}.")
    return _key(row)


@post("/api-keys/{key:int}/revoke", status_code=200, summary="Revoke an operator API key (at once)", opt=CHANGES)
async def revoke_key(services: Services, operator: CurrentOperator, key: FromPath[int]) -> ApiKeyResource:
    async with changing(services) as connection:
        changed = await keys.revoke_key(connection, key)
        if changed is None:
            raise not_found("API key", f"There is no operator API key {key}.")
        before, after = changed
        await _audit_key(connection, operator, "api_key.revoked", _key(before).model_dump(), after)
    return _key(after)


# --- audit ------------------------------------------------------------------------------------------


@get("/audit-events", summary="The operator audit log, newest first (read-only)", opt=READS)
async def list_audit_events(
    services: Services,
    council: FromQuery[str | None] = None,
    actor: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
    since: Annotated[datetime | None, QueryParameter(description="from this time, included")] = None,
    until: Annotated[datetime | None, QueryParameter(description="before this time")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditPage:
    before = decode_cursor("audit", cursor)
    query = audit_query(
        council=council,
        actor=actor,
        action=action,
        since=since,
        until=until,
        before_id=int(before) if before is not None else None,
    ).limit(limit + 1)
    async with reading(services) as connection:
        rows = [AuditEvent.model_validate(dict(row)) for row in (await connection.execute(query)).mappings()]
    return AuditPage(items=rows[:limit], next_cursor=next_cursor("audit", rows, limit, lambda e: e.id))


@get("/audit-events/{event_id:int}", summary="One audit event", opt=READS)
async def read_audit_event(services: Services, event_id: FromPath[int]) -> AuditEvent:
    async with reading(services) as connection:
        row = (
            (await connection.execute(select(audit_events).where(audit_events.c.id == event_id)))
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise not_found("Audit event", f"There is no audit event {event_id}.")
    return AuditEvent.model_validate(dict(row))


# --- usage ------------------------------------------------------------------------------------------


@get("/usage", summary="Transactions per council per day, and active councils", opt=READS)
async def read_usage(
    services: Services,
    since: Annotated[date | None, QueryParameter(description="first day (UK), default 30 days ago")] = None,
    until: Annotated[date | None, QueryParameter(description="last day (UK), default today")] = None,
    include_test: FromQuery[bool] = False,
    status: FromQuery[Literal["active", "suspended", "offboarding"] | None] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> UsagePage:
    until = until or datetime.now(usage.LONDON).date()
    since = since or until - timedelta(days=29)
    if since > until:
        raise invalid([("since", "must not be after until")])
    if (until - since).days > 366:
        raise invalid([("since", "a usage period is at most 366 days")])
    after = decode_cursor("usage", cursor)
    conditions = [tenants.c.slug > str(after)] if after is not None else []
    if status is not None:
        conditions.append(tenants.c.status == status)
    async with reading(services) as connection:
        found = await councils.council_resources(connection, *conditions, limit=limit + 1)
        active_count = await connection.scalar(
            select(func.count()).select_from(tenants).where(tenants.c.status == TenantStatus.ACTIVE.value)
        )
    items = await usage.usage_of(services.database.engine, found[:limit], since, until, include_test=include_test)
    return UsagePage(
        since=since,
        until=until,
        include_test=include_test,
        active_councils=int(active_count or 0),
        councils_with_transactions=sum(1 for item in items if item.transactions),
        items=items,
        next_cursor=next_cursor("usage", found, limit, lambda c: c.slug),
    )


# --- the router -------------------------------------------------------------------------------------


def admin_validation_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Litestar's own parameter and body checks, as the admin API's 422 with {field, message} errors."""
    assert isinstance(exc, ValidationException)
    extras = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        (str(item.get("key") or item.get("source") or "request"), str(item.get("message", "is not valid")))
        for item in extras
        if isinstance(item, dict)
    ]
    return _respond(request, invalid(errors or [("request", exc.detail or "is not valid")]))


ADMIN_HANDLERS = [
    list_councils,
    onboard_council,
    read_council,
    update_council,
    suspend_council,
    resume_council,
    offboard_council,
    purge_council,
    change_mode,
    purge_test_data,
    council_modules,
    set_council_module,
    remove_council_module,
    add_domain,
    remove_domain,
    change_branding,
    set_contact,
    set_accessibility_statement,
    upload_logo,
    remove_logo,
    list_groups,
    read_group,
    set_group_module,
    remove_group_module,
    export_council,
    read_export_job,
    list_exports,
    read_export,
    download_export,
    list_keys,
    create_key,
    read_key,
    revoke_key,
    list_audit_events,
    read_audit_event,
    read_usage,
    *council_email.HANDLERS,
    *savings_closed_months.HANDLERS,
    *deliveries.HANDLERS,
    *accounts.HANDLERS,
    *privacy.HANDLERS,
    *council_boundaries.HANDLERS,
    *front_doors.HANDLERS,
    admin_schema_page,
    admin_schema_json,
]

admin_router = Router(
    path="/admin/v1",
    route_handlers=ADMIN_HANDLERS,
    middleware=[rate_limited(Traffic.ADMIN)],
    dependencies={"operator": Provide(provide_operator, sync_to_thread=False)},
    exception_handlers={ValidationException: admin_validation_handler},
    security=[{"OperatorKey": []}],
    tags=["admin"],
)
