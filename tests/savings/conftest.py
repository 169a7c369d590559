"""Fixtures for savings stories: live councils (trial councils' data is test data and never counts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import update

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.savings.service import record_contact
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import tenants
from tests.auth.conftest import dev_identity
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, tenant_context_for

__all__ = ["dev_identity"]
OPERATOR_EMAIL = "olu.operator@civicshare.example"


@pytest.fixture
async def http(served: ServedPlatform, dev_identity: DevIdentity) -> AsyncIterator[httpx.AsyncClient]:
    """Savings stories are told by the platform's operator (who sees every council's figures), signed in
    with the dev identity's token like anyone else; a request that brings its own token or cookie keeps it."""
    token = dev_identity.issue_token(OPERATOR_EMAIL)

    def as_operator(request: httpx.Request) -> httpx.Request:
        if "authorization" not in request.headers and "cookie" not in request.headers:
            request.headers["Authorization"] = f"Bearer {token}"
        return request

    async with httpx.AsyncClient(base_url=served.url, timeout=30, auth=as_operator) as client:
        yield client


@pytest.fixture
async def anonymous(served: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        yield client


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
