"""Closing and reopening a month at a council and, in a shared-service group, at every member.

The group's members are closed or reopened in one database transaction, each through the same
connection routed to its own schema in turn: a deliberate write to several councils, because the
group's shared cost is apportioned over all of them (see ``savings.periods``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.savings.periods import close_month, month_name, reopen_month
from civicshare.savings.service import uk_day
from civicshare.tenancy.context import TenantContext

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """A month that cannot be closed, in words for the person who asked."""


def parse_month(text: str) -> date:
    found = _MONTH.match(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise MonthError(f"Give the month as YYYY-MM, like 2026-03, not {text!r}.")
    return date(int(found[1]), int(found[2]), 1)


def closable(month: date, today: date | None = None) -> date:
    """A month can be closed once it has ended (UK time)."""
    current = (today or uk_day(datetime.now(UTC))).replace(day=1)
    if month >= current:
        raise MonthError(f"{month_name(month)} has not ended yet, so it cannot be closed.")
    return month


def group_of(council: TenantContext, councils: Sequence[TenantContext]) -> list[TenantContext]:
    """The council first, then the other members of its shared-service group."""
    others = [
        other
        for other in councils
        if council.group_slug is not None and other.group_slug == council.group_slug and other.slug != council.slug
    ]
    return [council, *sorted(others, key=lambda other: other.slug)]


async def _route(connection: AsyncConnection, council: TenantContext) -> None:
    await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: council.schema})


async def close_in_group(
    connection: AsyncConnection, members: Sequence[TenantContext], month: date, *, by: str, note: str | None
) -> list[str]:
    """Close the month at ``members[0]`` and the rest of its group; the councils where it was open."""
    closed: list[str] = []
    for member in members:
        await _route(connection, member)
        closed_for = None if member is members[0] else members[0].slug
        if await close_month(connection, month, by=by, closed_for=closed_for, note=note):
            closed.append(member.slug)
    return closed


async def reopen_in_group(
    connection: AsyncConnection, members: Sequence[TenantContext], month: date, *, by: str, reason: str
) -> list[str]:
    """Reopen the month at every member given; the councils where it was closed."""
    reopened: list[str] = []
    for member in members:
        await _route(connection, member)
        if await reopen_month(connection, month, by=by, reason=reason):
            reopened.append(member.slug)
    return reopened
