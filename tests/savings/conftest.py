"""Fixtures for savings stories: live councils (trial councils' data is test data and never counts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import update

from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.service import record_contact
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import tenants
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for

LiveCouncilFactory = Callable[..., Awaitable[TenantContext]]


@pytest.fixture
def live_council(database: Database, make_council: CouncilFactory) -> LiveCouncilFactory:
    """A council of the test's own that has gone live (its transactions are real, not trial data)."""

    async def make(slug: str | None = None, **fields: object) -> TenantContext:
        definition = await make_council(slug, **fields)
        async with database.engine.begin() as connection:
            await connection.execute(update(tenants).where(tenants.c.slug == definition.slug).values(mode="live"))
        return await tenant_context_for(database, definition.slug)

    return make


async def record_contacts(
    database: Database, council: TenantContext, day: date, service: str, channel: str, count: int
) -> None:
    """Online contacts on a given day, counted through the same hook a submission uses."""
    async with tenant_connection(database.engine, council) as connection:
        for _ in range(count):
            await record_contact(connection, day=day, service=service, channel=channel, is_test=False)
