"""Fixtures for savings stories: live councils (trial councils' data is test data and never counts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import update

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.savings.service import record_contact
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import tenants
from tests.auth.conftest import dev_identity, staff_token
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, tenant_context_for

__all__ = ["dev_identity"]
OPERATOR_EMAIL = "olu.operator@civicshare.example"


AS = "x-test-as"  # read by the test client only (never sent): who a request is made as


class SignedIn(httpx.Auth):
    """Each request signed in with the dev identity's token, like anyone else's: at a council's address as
    one of its staff (or `X-Test-As: council-admin`), on the platform's own address as the
    operator. A request that brings its own token or cookie keeps it."""

    def __init__(self, dev_identity: DevIdentity) -> None:
        self.dev_identity = dev_identity
        self.tokens: dict[tuple[str | None, str], str] = {}

    async def async_auth_flow(self, request: httpx.Request) -> AsyncIterator[httpx.Request]:  # type: ignore[override]
        wanted = request.headers.pop(AS, None)
        if "authorization" not in request.headers and "cookie" not in request.headers:
            request.headers["Authorization"] = f"Bearer {await self._token(_council_of(request), wanted)}"
        yield request

    async def _token(self, slug: str | None, wanted: str | None) -> str:
        role = Role(wanted) if wanted else (Role.COUNCIL_STAFF if slug else Role.PLATFORM_OPERATOR)
        if role is Role.PLATFORM_OPERATOR or slug is None:
            return self.dev_identity.issue_token(OPERATOR_EMAIL)
        key = (slug, role.value)
        if key not in self.tokens:
            await self.dev_identity.ensure_council(CouncilOrganization(slug, slug, (), True, ()))
            self.tokens[key] = await staff_token(self.dev_identity, f"{role.value}-{slug}@example.org", slug, role=role)
        return self.tokens[key]


def _council_of(request: httpx.Request) -> str | None:
    host = request.headers.get("host", "").split(":")[0]
    if host.endswith(".localhost"):
        return str(host.removesuffix(".localhost"))
    parts = request.url.path.split("/")
    return str(parts[2]) if len(parts) > 2 and parts[1] == "t" else None


@pytest.fixture
async def http(served: ServedPlatform, dev_identity: DevIdentity) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=30, auth=SignedIn(dev_identity)) as client:
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
