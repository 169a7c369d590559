"""Changes operators make to councils. Each takes the connection first, works inside the caller's
transaction and writes its audit entry there too: a change that fails leaves nothing behind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import audit
from civicshare.admin.errors import conflict, field_errors, invalid, not_found, wrong_state
from civicshare.admin.schemas import (
    BrandingResource,
    CouncilResource,
    ModuleResource,
    OffboardingResource,
    TestDataPurged,
)
from civicshare.admin.tables import council_exports, tenant_offboarding
from civicshare.catalogue.installed_modules import FieldError, ModuleCatalogue
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER, tenant_metadata
from civicshare.db.migrations.state import tenant_schema_state
from civicshare.identity.sessions import end_sessions_at
from civicshare.policy.operators import Operator
from civicshare.tenancy.context import TenantMode, TenantStatus
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import (
    TenantConflict,
    TenantNotFound,
    WrongTenantState,
    change_status,
    onboard_tenant,
    update_tenant,
)
from civicshare.tenancy.tables import (
    group_modules,
    service_groups,
    tenant_domains,
    tenant_logos,
    tenant_modules,
    tenants,
)
from civicshare.transactions.tables import transactions

LOGO_URL = "/branding/logo"


def unknown_council(slug: str) -> Exception:
    return not_found("Council", f"There is no council {slug!r} on this platform.")


async def route_to(connection: AsyncConnection, schema: str) -> None:
    """Point this connection's tenant tables at one council's schema (platform tables are unaffected)."""
    await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema})


# --- reading ----------------------------------------------------------------------------------------


def _modules(council: dict[str, dict[str, Any]], group: dict[str, dict[str, Any]]) -> list[ModuleResource]:
    found = []
    for code in sorted(set(council) | set(group)):
        mine, shared = council.get(code), group.get(code)
        source = "council+group" if mine and shared else "council" if mine else "group"
        found.append(
            ModuleResource(
                code=code,
                enabled=mine["enabled"] if mine else True,
                settings={**(shared or {}).get("settings", {}), **(mine or {}).get("settings", {})},
                council_settings=mine["settings"] if mine else None,
                group_settings=shared["settings"] if shared else None,
                source=source,
            )
        )
    return found


async def council_resources(
    connection: AsyncConnection, *conditions: ColumnElement[bool], limit: int | None = None
) -> list[CouncilResource]:
    """Councils in slug order, each with its domains, modules, schema revision, logo and offboarding: one
    statement (and a second for the modules of their groups, if any has a group)."""
    council = tenants.c.id
    domains_of = (
        select(
            func.coalesce(
                func.jsonb_agg(aggregate_order_by(tenant_domains.c.domain, tenant_domains.c.domain)),
                literal_column("'[]'::jsonb"),
            )
        )
        .where(tenant_domains.c.tenant_id == council)
        .scalar_subquery()
    )
    modules_of = (
        select(
            func.coalesce(
                func.jsonb_object_agg(
                    tenant_modules.c.module_code,
                    func.jsonb_build_object("enabled", tenant_modules.c.enabled, "settings", tenant_modules.c.settings),
                ),
                literal_column("'{}'::jsonb"),
            )
        )
        .where(tenant_modules.c.tenant_id == council)
        .scalar_subquery()
    )
    logo_of = select(tenant_logos.c.sha256).where(tenant_logos.c.tenant_id == council).scalar_subquery()
    latest_export_of = (
        select(func.max(council_exports.c.id)).where(council_exports.c.tenant_id == council).scalar_subquery()
    )
    query = (
        select(
            tenants,
            service_groups.c.slug.label("group_slug"),
            tenant_schema_state.c.revision,
            domains_of.label("domain_list"),
            modules_of.label("module_choices"),
            logo_of.label("logo_sha256"),
            tenant_offboarding.c.started_at.label("offboarding_started_at"),
            tenant_offboarding.c.purge_after.label("offboarding_purge_after"),
            latest_export_of.label("latest_export_id"),
        )
        .select_from(
            tenants.outerjoin(service_groups, tenants.c.group_id == service_groups.c.id)
            .outerjoin(tenant_schema_state, tenant_schema_state.c.tenant_id == council)
            .outerjoin(tenant_offboarding, tenant_offboarding.c.tenant_id == council)
        )
        .where(*conditions)
        .order_by(tenants.c.slug)
        .limit(limit)
    )
    rows = (await connection.execute(query)).all()
    group_ids = {row.group_id for row in rows if row.group_id is not None}
    shared_modules: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    if group_ids:  # most councils share no group's settings: no second statement to wait for
        for row in await connection.execute(select(group_modules).where(group_modules.c.group_id.in_(group_ids))):
            shared_modules[row.group_id][row.module_code] = {"settings": row.settings}
    resources = []
    for row in rows:
        definition = TenantDefinition.model_validate(row.definition)
        resources.append(
            CouncilResource(
                slug=row.slug,
                name=row.name,
                gss_code=row.gss_code,
                reference_prefix=row.reference_prefix,
                status=row.status,
                mode=row.mode,
                is_trial=row.mode == TenantMode.TRIAL.value,
                group=row.group_slug,
                domains=list(row.domain_list),
                branding=BrandingResource(
                    primary_colour=definition.branding.primary_colour,
                    secondary_colour=definition.branding.secondary_colour,
                    text_colour=definition.branding.text_colour,
                    logo_alt=definition.branding.logo_alt,
                    logo_url=f"{LOGO_URL}?v={row.logo_sha256[:12]}" if row.logo_sha256 is not None else None,
                ),
                modules=_modules(dict(row.module_choices), shared_modules.get(row.group_id, {})),
                schema_name=row.schema_name,
                schema_revision=row.revision,
                offboarding=OffboardingResource(
                    started_at=row.offboarding_started_at,
                    purge_after=row.offboarding_purge_after,
                    latest_export_id=row.latest_export_id,
                )
                if row.offboarding_started_at is not None
                else None,
                definition=definition,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return resources


async def council_resource(connection: AsyncConnection, slug: str) -> CouncilResource:
    found = await council_resources(connection, tenants.c.slug == slug)
    if not found:
        raise unknown_council(slug)
    return found[0]


# --- onboarding and changing the definition ---------------------------------------------------------


def _definition(data: dict[str, Any]) -> TenantDefinition:
    try:
        return TenantDefinition.model_validate(data)
    except ValidationError as error:
        raise invalid(field_errors(error)) from None


async def _module_problems(
    connection: AsyncConnection, catalogue: ModuleCatalogue, definition: TenantDefinition
) -> list[FieldError]:
    """Every module the council names must be installed; its settings, merged over its group's, must validate."""
    shared: dict[str, dict[str, Any]] = {}
    if definition.group is not None:
        rows = await connection.execute(
            select(group_modules.c.module_code, group_modules.c.settings)
            .join(service_groups, service_groups.c.id == group_modules.c.group_id)
            .where(service_groups.c.slug == definition.group)
        )
        shared = {row.module_code: row.settings for row in rows}
    problems: list[FieldError] = []
    for code, choice in definition.modules.items():
        if not catalogue.known(code):
            problems.append((f"modules.{code}", f"no module {code!r} is installed on this platform"))
            continue
        merged = {**shared.get(code, {}), **choice.settings}
        problems += [
            (f"modules.{code}.settings.{name}", message) for name, message in catalogue.validate_settings(code, merged)
        ]
    return problems


async def _guarded(action: Callable[[], Any]) -> Any:
    try:
        return await action()
    except TenantConflict as error:
        raise conflict(str(error), "council-conflict") from None
    except TenantNotFound as error:
        raise invalid([("group", str(error))]) from None
    except WrongTenantState as error:
        raise wrong_state(str(error)) from None
    except IntegrityError as error:  # lost a race with another change: the database's constraints decide
        raise conflict(f"the change clashes with another council: {error.orig}", "council-conflict") from None


async def onboard(
    connection: AsyncConnection,
    catalogue: ModuleCatalogue,
    operator: Operator,
    definition: TenantDefinition,
    *,
    mode: TenantMode = TenantMode.TRIAL,
) -> CouncilResource:
    """Create the council and its schema at head; it can serve requests once the transaction commits."""
    if problems := await _module_problems(connection, catalogue, definition):
        raise invalid(problems)
    await _guarded(lambda: onboard_tenant(connection, definition))
    if mode is not TenantMode.TRIAL:
        await connection.execute(update(tenants).where(tenants.c.slug == definition.slug).values(mode=mode.value))
    created = await council_resource(connection, definition.slug)
    await audit.record(connection, operator, "council.onboarded", council=definition.slug, after=created.model_dump())
    return created


async def change_definition(
    connection: AsyncConnection,
    catalogue: ModuleCatalogue,
    operator: Operator,
    slug: str,
    action: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> CouncilResource:
    """Apply `change` to the council's stored definition, validate the whole result, write it, audit it."""
    stored = await connection.scalar(select(tenants.c.definition).where(tenants.c.slug == slug).with_for_update())
    if stored is None:
        raise unknown_council(slug)
    before = await council_resource(connection, slug)
    definition = _definition(change(dict(stored)))
    if problems := await _module_problems(connection, catalogue, definition):
        raise invalid(problems)
    await _guarded(lambda: update_tenant(connection, definition))
    after = await council_resource(connection, slug)
    await audit.record(connection, operator, action, council=slug, before=before.model_dump(), after=after.model_dump())
    return after


async def change_council_status(
    connection: AsyncConnection, operator: Operator, slug: str, to: TenantStatus, action: str
) -> CouncilResource:
    before = await council_resource(connection, slug)
    await _guarded(lambda: change_status(connection, slug, to))
    after = await council_resource(connection, slug)
    await audit.record(
        connection,
        operator,
        action,
        council=slug,
        before={"status": before.status},
        after={"status": after.status},
    )
    return after


async def start_offboarding(
    connection: AsyncConnection, operator: Operator, slug: str, *, grace: timedelta
) -> CouncilResource:
    before = await council_resource(connection, slug)
    await _guarded(lambda: change_status(connection, slug, TenantStatus.OFFBOARDING))
    # Its staff lose their access with it, in the same transaction.
    await end_sessions_at(connection, slug)
    tenant_id = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == slug))
    now = datetime.now(UTC)
    await connection.execute(
        tenant_offboarding.insert().values(
            tenant_id=tenant_id, started_at=now, purge_after=now + grace, started_by=operator.id
        )
    )
    after = await council_resource(connection, slug)
    await audit.record(
        connection,
        operator,
        "council.offboarding_started",
        council=slug,
        before={"status": before.status},
        after={"status": after.status, "offboarding": after.offboarding.model_dump() if after.offboarding else None},
    )
    return after


async def change_mode(connection: AsyncConnection, operator: Operator, slug: str, mode: TenantMode) -> CouncilResource:
    before = await council_resource(connection, slug)
    if before.status == TenantStatus.OFFBOARDING.value:
        raise wrong_state(f"council {slug!r} is offboarding; its mode can no longer change")
    if before.mode != mode.value:
        await connection.execute(
            update(tenants).where(tenants.c.slug == slug).values(mode=mode.value, updated_at=func.now())
        )
    after = await council_resource(connection, slug)
    await audit.record(
        connection, operator, "council.mode_changed", council=slug, before={"mode": before.mode}, after={"mode": mode}
    )
    return after


# --- trial data -------------------------------------------------------------------------------------


async def purge_test_data(connection: AsyncConnection, operator: Operator, slug: str) -> TestDataPurged:
    """Delete the council's test transactions and every row that hangs off them; live data is untouched."""
    council = await council_resource(connection, slug)
    await route_to(connection, council.schema_name)
    test_ids = select(transactions.c.id).where(transactions.c.is_test.is_(True)).scalar_subquery()
    deleted: dict[str, int] = {}
    for table in reversed(tenant_metadata.sorted_tables):
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is transactions:
                result = await connection.execute(delete(table).where(foreign_key.parent.in_(test_ids)))
                deleted[table.name] = deleted.get(table.name, 0) + result.rowcount
    result = await connection.execute(delete(transactions).where(transactions.c.is_test.is_(True)))
    purged = TestDataPurged(council=slug, transactions_deleted=result.rowcount, rows_deleted=deleted)
    await audit.record(connection, operator, "council.test_data_purged", council=slug, after=purged.model_dump())
    return purged
