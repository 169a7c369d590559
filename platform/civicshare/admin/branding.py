"""Council logos: PNG or SVG recognised by their content (not their name), at most 200 KB, kept in the
control plane so every worker and machine serves the same file. An SVG is kept as ``svg_logos``
re-serialises it from its allow-list, never as uploaded."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import audit
from civicshare.admin.councils import council_resource
from civicshare.admin.errors import invalid
from civicshare.admin.svg_logos import ActiveSvg, NotSvg, sanitise_svg
from civicshare.policy.operators import Operator
from civicshare.tenancy.files import LOGO_MAX_BYTES
from civicshare.tenancy.tables import tenant_logos, tenants

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Logo:
    content_type: str
    content: bytes
    sha256: str


def recognise_logo(content: bytes) -> Logo:
    if not content:
        raise invalid([("file", "is empty")])
    if len(content) > LOGO_MAX_BYTES:
        raise invalid([("file", f"is {len(content)} bytes; a logo must be {LOGO_MAX_BYTES // 1000} KB or smaller")])
    if content.startswith(PNG_SIGNATURE):
        content_type = "image/png"
    else:
        try:
            content = sanitise_svg(content)
        except NotSvg as error:
            raise invalid(
                [("file", f"is neither a PNG nor an SVG image (judged by its content, not its name): {error}")]
            ) from None
        except ActiveSvg as error:
            raise invalid([("file", f"is an SVG that {error}; remove it")]) from None
        content_type = "image/svg+xml"
    return Logo(content_type=content_type, content=content, sha256=hashlib.sha256(content).hexdigest())


async def _tenant_id(connection: AsyncConnection, slug: str) -> int:
    council = await council_resource(connection, slug)  # 404 when unknown
    tenant_id = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == council.slug))
    assert tenant_id is not None
    return int(tenant_id)


async def _logo_summary(connection: AsyncConnection, tenant_id: int) -> dict[str, object] | None:
    row = (
        await connection.execute(
            select(tenant_logos.c.content_type, tenant_logos.c.size_bytes, tenant_logos.c.sha256).where(
                tenant_logos.c.tenant_id == tenant_id
            )
        )
    ).one_or_none()
    return dict(row._mapping) if row is not None else None


async def set_logo(connection: AsyncConnection, operator: Operator, slug: str, logo: Logo) -> None:
    tenant_id = await _tenant_id(connection, slug)
    before = await _logo_summary(connection, tenant_id)
    values = {
        "content_type": logo.content_type,
        "content": logo.content,
        "size_bytes": len(logo.content),
        "sha256": logo.sha256,
    }
    statement = insert(tenant_logos).values(tenant_id=tenant_id, **values)
    await connection.execute(statement.on_conflict_do_update(index_elements=[tenant_logos.c.tenant_id], set_=values))
    after = await _logo_summary(connection, tenant_id)
    await audit.record(connection, operator, "council.logo_uploaded", council=slug, before=before, after=after)


async def remove_logo(connection: AsyncConnection, operator: Operator, slug: str) -> bool:
    tenant_id = await _tenant_id(connection, slug)
    before = await _logo_summary(connection, tenant_id)
    if before is None:
        return False
    await connection.execute(delete(tenant_logos).where(tenant_logos.c.tenant_id == tenant_id))
    await audit.record(connection, operator, "council.logo_removed", council=slug, before=before, after=None)
    return True
