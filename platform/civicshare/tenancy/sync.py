"""`civicshare tenants sync`: make the control plane match the files in tenants/, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.tenancy.files import Catalogue
from civicshare.tenancy.service import Change, apply_group, apply_tenant
from civicshare.tenancy.tables import tenants


@dataclass(frozen=True)
class SyncReport:
    groups: list[Change]
    tenants: list[Change]
    not_in_files: list[str]


async def sync_catalogue(engine: AsyncEngine, catalogue: Catalogue) -> SyncReport:
    """Apply every group and council in one transaction: all of it, or (on any error) none of it."""
    async with engine.begin() as connection:
        group_changes = [await apply_group(connection, group) for group in catalogue.groups]
        tenant_changes = [await apply_tenant(connection, tenant) for tenant in catalogue.tenants]
        known = {tenant.slug for tenant in catalogue.tenants}
        existing = (await connection.scalars(select(tenants.c.slug).order_by(tenants.c.slug))).all()
    return SyncReport(group_changes, tenant_changes, [slug for slug in existing if slug not in known])
