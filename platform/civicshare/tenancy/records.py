"""Reading councils from the control plane into `TenantContext` objects."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.tenancy.contact import AccessibilityDefinition, ContactDefinition
from civicshare.tenancy.context import Branding, FrontDoorContext, TenantContext, TenantMode, TenantStatus
from civicshare.tenancy.tables import front_doors, service_groups, tenant_domains, tenants


def branding_from(data: dict[str, Any]) -> Branding:
    return Branding(
        primary_colour=data.get("primary_colour", "#1d70b8"),
        secondary_colour=data.get("secondary_colour", "#003078"),
        text_colour=data.get("text_colour", "#0b0c0c"),
        logo_path=data.get("logo"),
        logo_alt=data.get("logo_alt") or "",
    )


Section = TypeVar("Section", ContactDefinition, AccessibilityDefinition)


def _stored(kind: type[Section], data: Any) -> Section:
    """A section of the stored definition (validated when written); its defaults if it is missing."""
    try:
        return kind.model_validate(data or {})
    except ValidationError:
        return kind()


async def load_tenant_contexts(connection: AsyncConnection, *, slug: str | None = None) -> list[TenantContext]:
    query = (
        select(tenants, service_groups.c.slug.label("group_slug"))
        .select_from(tenants.outerjoin(service_groups, tenants.c.group_id == service_groups.c.id))
        .order_by(tenants.c.slug)
    )
    domain_query = select(tenant_domains.c.tenant_id, tenant_domains.c.domain).order_by(tenant_domains.c.domain)
    if slug is not None:
        query = query.where(tenants.c.slug == slug)
        domain_query = domain_query.join(tenants, tenants.c.id == tenant_domains.c.tenant_id).where(
            tenants.c.slug == slug
        )
    domains: dict[int, list[str]] = defaultdict(list)
    for tenant_id, domain in await connection.execute(domain_query):
        domains[tenant_id].append(domain)
    return [
        TenantContext(
            id=row.id,
            slug=row.slug,
            name=row.name,
            gss_code=row.gss_code,
            reference_prefix=row.reference_prefix,
            status=TenantStatus(row.status),
            mode=TenantMode(row.mode),
            schema=row.schema_name,
            group_slug=row.group_slug,
            branding=branding_from(row.branding),
            domains=tuple(domains[row.id]),
            contact=_stored(ContactDefinition, row.definition.get("contact")),
            accessibility=_stored(AccessibilityDefinition, row.definition.get("accessibility")),
        )
        for row in await connection.execute(query)
    ]


async def load_tenant_context(connection: AsyncConnection, slug: str) -> TenantContext | None:
    found = await load_tenant_contexts(connection, slug=slug)
    return found[0] if found else None


async def load_front_doors(connection: AsyncConnection) -> list[FrontDoorContext]:
    rows = await connection.execute(select(front_doors).order_by(front_doors.c.slug))
    return [
        FrontDoorContext(id=row.id, slug=row.slug, name=row.name, domains=tuple(str(d) for d in row.domains or ()))
        for row in rows
    ]
