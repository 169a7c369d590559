"""A council's uploaded logo as stored: the admin API writes it (`civicshare.admin.branding`), the
council's website shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.tenancy.tables import tenant_logos


@dataclass(frozen=True)
class StoredLogo:
    content_type: str
    content: bytes
    sha256: str


async def council_logo(connection: AsyncConnection, tenant_id: int) -> StoredLogo | None:
    row = (
        await connection.execute(
            select(tenant_logos.c.content_type, tenant_logos.c.content, tenant_logos.c.sha256).where(
                tenant_logos.c.tenant_id == tenant_id
            )
        )
    ).one_or_none()
    return StoredLogo(row.content_type, row.content, row.sha256) if row is not None else None


async def council_logo_digest(connection: AsyncConnection, tenant_id: int) -> str | None:
    """The uploaded logo's sha256, without its content; None when the council uploaded none."""
    found = await connection.scalar(select(tenant_logos.c.sha256).where(tenant_logos.c.tenant_id == tenant_id))
    return str(found) if found is not None else None
