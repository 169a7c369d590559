"""`civicshare tenants sync`: make the control plane match the files in tenants/, idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Difference:
    """Where a council on the platform no longer matches its file in tenants/ (e.g. changed by an operator)."""

    slug: str
    what: str

    def __str__(self) -> str:
        return f"{self.slug}: {self.what}"


def _differences(slug: str, in_files: dict[str, Any], on_platform: dict[str, Any]) -> list[Difference]:
    found = []
    for key in sorted((set(in_files) | set(on_platform)) - {"slug"}):
        wanted, stored = in_files.get(key), on_platform.get(key)
        if key == "modules" and isinstance(wanted, dict) and isinstance(stored, dict):
            found += _differences(
                slug,
                {f"modules.{code}": value for code, value in wanted.items()},
                {f"modules.{code}": value for code, value in stored.items()},
            )
        elif wanted != stored:
            found.append(Difference(slug, f"{key}: tenants/ has {wanted!r}, the platform has {stored!r}"))
    return found


async def catalogue_differences(engine: AsyncEngine, catalogue: Catalogue) -> list[Difference]:
    """What differs between each council in the files and the same council on the platform, without changing either."""
    async with engine.connect() as connection:
        rows = await connection.execute(select(tenants.c.slug, tenants.c.definition))
        stored: dict[str, Any] = dict(rows.all())
    found = []
    for definition in catalogue.tenants:
        if definition.slug not in stored:
            found.append(Difference(definition.slug, "in tenants/ but not on the platform"))
        else:
            found += _differences(
                definition.slug, definition.model_dump(mode="json"), dict(stored[definition.slug] or {})
            )
    return found
