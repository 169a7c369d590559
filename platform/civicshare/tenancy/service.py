"""Changes to councils: onboarding, updating from a definition, suspending and resuming.

Each function takes the connection first and works inside the caller's transaction, so a failure part
way through (a schema that cannot be created, a domain already taken) leaves nothing half-made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, literal, select, true, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.metadata import tenant_schema_name
from civicshare.db.migrations import create_tenant_schema, tenant_head
from civicshare.db.migrations.spares import take_spare_schema
from civicshare.db.migrations.state import tenant_schema_state
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.definitions import GroupDefinition, TenantDefinition
from civicshare.tenancy.tables import (
    front_doors,
    group_modules,
    service_groups,
    tenant_domains,
    tenant_modules,
    tenants,
)


class TenantConflict(Exception):
    """A change that clashes with another council (a slug, domain, GSS code or prefix in use)."""


class TenantNotFound(Exception):
    pass


class WrongTenantState(Exception):
    """An action that the council's current status does not allow."""


@dataclass(frozen=True)
class Change:
    slug: str
    action: str  # "created", "updated" or "unchanged"


# What a new or changed council clashes with, in the order an operator should fix them.
CLASHES = {
    "slug": "a council with slug {value!r} already exists",
    "gss_code": "GSS code {value} already belongs to council {owner!r}",
    "reference_prefix": "reference prefix {value} already belongs to council {owner!r}",
    "domain": "domain {value} already belongs to council {owner!r}",
    "front_door": "{value!r} is the name of a front door on this platform",
    "front_door_domain": "domain {value} already belongs to the front door {owner!r}",
}


def _definition_json(definition: TenantDefinition | GroupDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


async def _check_free(connection: AsyncConnection, definition: TenantDefinition, tenant_id: int | None) -> None:
    """Raise TenantConflict for the first thing the definition would take from another council or a front
    door: its slug (when onboarding), GSS code, reference prefix or a domain. One statement, so that an
    onboarding under load waits for one answer, not four."""
    others = tenants.c.id != tenant_id if tenant_id is not None else true()
    asked = [
        select(
            literal("gss_code").label("kind"), tenants.c.slug.label("owner"), tenants.c.gss_code.label("value")
        ).where(others, tenants.c.gss_code == definition.gss_code),
        select(literal("reference_prefix"), tenants.c.slug, tenants.c.reference_prefix).where(
            others, tenants.c.reference_prefix == definition.reference_prefix
        ),
        select(literal("front_door"), front_doors.c.slug, front_doors.c.slug).where(
            front_doors.c.slug == definition.slug
        ),
    ]
    if tenant_id is None:
        asked.append(select(literal("slug"), tenants.c.slug, tenants.c.slug).where(tenants.c.slug == definition.slug))
    if definition.domains:
        asked.append(
            select(literal("domain"), tenants.c.slug, tenant_domains.c.domain)
            .join(tenants, tenants.c.id == tenant_domains.c.tenant_id)
            .where(tenant_domains.c.domain.in_(definition.domains), others)
        )
        # A front door answers on its slug's host and its own domains too: a council there would hide it.
        door_domain = func.jsonb_array_elements_text(front_doors.c.domains).table_valued("value").alias("door_domain")
        asked.append(
            select(literal("front_door_domain"), front_doors.c.slug, door_domain.c.value)
            .select_from(front_doors.join(door_domain, true()))
            .where(door_domain.c.value.in_(definition.domains))
        )
    clashes = {kind: (owner, value) for kind, owner, value in await connection.execute(union_all(*asked))}
    for kind, message in CLASHES.items():
        if kind in clashes:
            owner, value = clashes[kind]
            raise TenantConflict(message.format(owner=owner, value=value))


async def _group_id(connection: AsyncConnection, group_slug: str | None) -> int | None:
    if group_slug is None:
        return None
    group_id = await connection.scalar(select(service_groups.c.id).where(service_groups.c.slug == group_slug))
    if group_id is None:
        raise TenantNotFound(f"no shared-service group {group_slug!r}")
    return int(group_id)


async def _write_domains_and_modules(
    connection: AsyncConnection, tenant_id: int, definition: TenantDefinition, *, new: bool = False
) -> None:
    """The council's domains and modules as the definition says (a new council has none to replace)."""
    if not new:
        await connection.execute(delete(tenant_domains).where(tenant_domains.c.tenant_id == tenant_id))
    if definition.domains:
        await connection.execute(
            insert(tenant_domains), [{"tenant_id": tenant_id, "domain": d} for d in definition.domains]
        )
    if not new:
        await connection.execute(delete(tenant_modules).where(tenant_modules.c.tenant_id == tenant_id))
    if definition.modules:
        await connection.execute(
            insert(tenant_modules),
            [
                {
                    "tenant_id": tenant_id,
                    "module_code": code,
                    "enabled": choice.enabled,
                    "settings": choice.settings,
                }
                for code, choice in definition.modules.items()
            ],
        )


async def onboard_tenant(connection: AsyncConnection, definition: TenantDefinition) -> int:
    """Create a council: its control-plane rows and its schema with every table, at the current head (a
    spare made ahead when one is ready)."""
    await _check_free(connection, definition, None)
    schema = tenant_schema_name(definition.slug)
    tenant_id = await connection.scalar(
        insert(tenants)
        .values(
            slug=definition.slug,
            name=definition.name,
            gss_code=definition.gss_code,
            reference_prefix=definition.reference_prefix,
            schema_name=schema,
            group_id=await _group_id(connection, definition.group),
            branding=definition.branding.model_dump(mode="json"),
            definition=_definition_json(definition),
        )
        .returning(tenants.c.id)
    )
    assert tenant_id is not None
    await _write_domains_and_modules(connection, tenant_id, definition, new=True)
    if not await take_spare_schema(connection, schema):
        await create_tenant_schema(connection, schema)
    await connection.execute(
        insert(tenant_schema_state).values(tenant_id=tenant_id, revision=tenant_head(), outcome="current")
    )
    return int(tenant_id)


async def update_tenant(connection: AsyncConnection, definition: TenantDefinition) -> bool:
    """Bring a council in line with its definition. Returns False when nothing had changed."""
    row = (
        await connection.execute(
            select(tenants.c.id, tenants.c.definition).where(tenants.c.slug == definition.slug).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise TenantNotFound(f"no council {definition.slug!r}")
    if row.definition == _definition_json(definition):
        return False
    await _check_free(connection, definition, row.id)
    await connection.execute(
        update(tenants)
        .where(tenants.c.id == row.id)
        .values(
            name=definition.name,
            gss_code=definition.gss_code,
            reference_prefix=definition.reference_prefix,
            group_id=await _group_id(connection, definition.group),
            branding=definition.branding.model_dump(mode="json"),
            definition=_definition_json(definition),
            updated_at=func.now(),
        )
    )
    await _write_domains_and_modules(connection, row.id, definition)
    return True


async def apply_group(connection: AsyncConnection, group: GroupDefinition) -> Change:
    data = _definition_json(group)
    existing = (
        await connection.execute(
            select(service_groups.c.id, service_groups.c.definition).where(service_groups.c.slug == group.slug)
        )
    ).one_or_none()
    if existing is not None and existing.definition == data:
        return Change(group.slug, "unchanged")
    statement = insert(service_groups).values(slug=group.slug, name=group.name, definition=data)
    group_id = await connection.scalar(
        statement.on_conflict_do_update(
            index_elements=[service_groups.c.slug],
            set_={"name": group.name, "definition": data, "updated_at": func.now()},
        ).returning(service_groups.c.id)
    )
    await connection.execute(delete(group_modules).where(group_modules.c.group_id == group_id))
    if group.modules:
        await connection.execute(
            insert(group_modules),
            [{"group_id": group_id, "module_code": code, "settings": c.settings} for code, c in group.modules.items()],
        )
    return Change(group.slug, "created" if existing is None else "updated")


async def apply_tenant(connection: AsyncConnection, definition: TenantDefinition) -> Change:
    exists = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == definition.slug))
    if exists is None:
        await onboard_tenant(connection, definition)
        return Change(definition.slug, "created")
    changed = await update_tenant(connection, definition)
    return Change(definition.slug, "updated" if changed else "unchanged")


ALLOWED_STATUS_CHANGES = {
    (TenantStatus.ACTIVE, TenantStatus.SUSPENDED),
    (TenantStatus.SUSPENDED, TenantStatus.ACTIVE),
    (TenantStatus.ACTIVE, TenantStatus.OFFBOARDING),
    (TenantStatus.SUSPENDED, TenantStatus.OFFBOARDING),
}


async def change_status(connection: AsyncConnection, slug: str, to: TenantStatus) -> TenantStatus:
    """Move a council to another status; returns the status it had before."""
    current = await connection.scalar(select(tenants.c.status).where(tenants.c.slug == slug).with_for_update())
    if current is None:
        raise TenantNotFound(f"no council {slug!r}")
    before = TenantStatus(current)
    if (before, to) not in ALLOWED_STATUS_CHANGES:
        raise WrongTenantState(f"council {slug!r} is {before.value} and cannot become {to.value}")
    await connection.execute(
        update(tenants).where(tenants.c.slug == slug).values(status=to.value, updated_at=func.now())
    )
    return before
