"""A logo uploaded for a council straight into the control plane, for the tests that follow it onto pages."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import delete, insert, select

from civicshare.db.engine import Database
from civicshare.tenancy.tables import tenant_logos, tenants


@asynccontextmanager
async def uploaded_logo(database: Database, slug: str, content: bytes) -> AsyncIterator[str]:
    """The council's logo is `content` (a PNG) until the block ends; its sha256."""
    digest = hashlib.sha256(content).hexdigest()
    async with database.engine.begin() as connection:
        tenant_id = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == slug))
        await connection.execute(
            insert(tenant_logos).values(
                tenant_id=tenant_id, content_type="image/png", content=content, size_bytes=len(content), sha256=digest
            )
        )
    try:
        yield digest
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(delete(tenant_logos).where(tenant_logos.c.tenant_id == tenant_id))
