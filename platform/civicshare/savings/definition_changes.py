"""What an operator's change to the councils' files (``civicshare tenants sync``) would do to closed months.

A council's unit costs in its file, the shared-service group it belongs to, and its group's platform
cost and apportionment all feed the figures of every month, closed ones included. A sync that would
change any of them for a council with a closed month is refused whole; an operator reopens the months
first (``POST /admin/v1/councils/{slug}/closed-months/{month}/reopen``), which is audited at every member.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.savings.periods import ClosedMonthError, closed_month_list, month_name, refuse_unit_cost_change
from civicshare.savings.service import council_unit_costs
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import GroupDefinition, TenantDefinition
from civicshare.tenancy.records import load_tenant_contexts
from civicshare.tenancy.tables import service_groups

_APPORTIONED = ("platform_cost_per_year", "apportionment")


async def _closed(engine: AsyncEngine, council: TenantContext) -> list[str]:
    async with tenant_connection(engine, council) as connection:
        return [month_name(item.month) for item in await closed_month_list(connection)]


async def closed_month_conflicts(
    engine: AsyncEngine, councils: Sequence[TenantDefinition], groups: Sequence[GroupDefinition]
) -> list[str]:
    """Each way these definitions would change a closed month's figures, in words; empty if none."""
    async with engine.connect() as connection:
        on_platform = {council.slug: council for council in await load_tenant_contexts(connection)}
        stored_groups: dict[str, Any] = dict(
            (await connection.execute(select(service_groups.c.slug, service_groups.c.definition))).all()
        )
    problems: list[str] = []
    for definition in councils:
        council = on_platform.get(definition.slug)
        if council is None:
            continue
        async with tenant_connection(engine, council) as connection:
            before = await council_unit_costs(connection, council)
            after = await council_unit_costs(connection, council, definition=definition.model_dump(mode="json"))
            try:
                await refuse_unit_cost_change(
                    connection, before.schedule, after.schedule, f"{council.slug}'s unit costs in tenants/"
                )
            except ClosedMonthError as error:
                problems.append(str(error))
        if definition.group != council.group_slug and (closed := await _closed(engine, council)):
            problems.append(
                f"{council.slug} moving from group {council.group_slug} to {definition.group} would change how"
                f" shared cost was apportioned in {', '.join(closed)}, which are closed at {council.slug}."
            )
    for group in groups:
        stored = stored_groups.get(group.slug)
        wanted = group.model_dump(mode="json")
        if stored is None or all(stored.get(key) == wanted.get(key) for key in _APPORTIONED):
            continue
        for member in (council for council in on_platform.values() if council.group_slug == group.slug):
            if closed := await _closed(engine, member):
                problems.append(
                    f"Group {group.slug}'s platform cost or apportionment would change the shared cost of"
                    f" {', '.join(closed)}, which are closed at {member.slug}."
                )
    return problems
