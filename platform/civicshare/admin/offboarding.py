"""The end of a council on this platform: after its export and the grace period, its schema is dropped.

`purge` refuses unless the council is offboarding and an export was taken since offboarding started
(so the archive holds everything residents could still have changed); before the grace period ends
it needs `force`. The control-plane rows go with the schema; the audit log and the exports stay.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import audit
from civicshare.admin.councils import council_resource
from civicshare.admin.errors import conflict, wrong_state
from civicshare.admin.schemas import PurgeResult
from civicshare.admin.tables import council_exports, tenant_offboarding
from civicshare.policy.operators import Operator
from civicshare.tenancy.tables import tenants

_SCHEMA_NAME = re.compile(r"^tenant_[a-z0-9_]+$")


async def purge_council(connection: AsyncConnection, operator: Operator, slug: str, *, force: bool) -> PurgeResult:
    council = await council_resource(connection, slug)
    tenant_id = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == slug).with_for_update())
    offboarding = (
        await connection.execute(select(tenant_offboarding).where(tenant_offboarding.c.tenant_id == tenant_id))
    ).one_or_none()
    if council.status != "offboarding" or offboarding is None:
        raise wrong_state(f"council {slug!r} is {council.status}; only an offboarding council can be purged")
    export_id = await connection.scalar(
        select(council_exports.c.id)
        .where(council_exports.c.tenant_id == tenant_id, council_exports.c.created_at >= offboarding.started_at)
        .order_by(council_exports.c.id.desc())
        .limit(1)
    )
    if export_id is None:
        raise conflict(
            f"council {slug!r} has no export taken since offboarding started; export it first "
            f"(POST /admin/v1/councils/{slug}/exports)",
            "export-required",
        )
    if datetime.now(UTC) < offboarding.purge_after and not (force and operator.can_write):
        raise conflict(
            f"council {slug!r} is in its grace period until {offboarding.purge_after.isoformat()}; "
            "purging earlier needs force=true",
            "grace-period",
        )
    if not _SCHEMA_NAME.match(council.schema_name):
        raise RuntimeError(f"refusing to drop unexpected schema name {council.schema_name!r}")
    await connection.execute(text(f'DROP SCHEMA "{council.schema_name}" CASCADE'))
    await connection.execute(delete(tenants).where(tenants.c.id == tenant_id))
    result = PurgeResult(council=slug, schema_dropped=council.schema_name, export_id=int(export_id))
    await audit.record(
        connection,
        operator,
        "council.purged",
        council=slug,
        before=council.model_dump(),
        after={**result.model_dump(), "forced": force and datetime.now(UTC) < offboarding.purge_after},
    )
    return result
