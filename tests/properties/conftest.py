"""Who calls each interface in the property tests: a council offering every module, and a person of each kind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import APIOperation, Case
from schemathesis.specs.openapi.schemas import OpenApiSchema

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.modules import ModuleRegistry
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization, bearer, council, dev_identity, staff_token  # noqa: F401 - the sign-in tests' fixtures, shared
from tests.support import ServedPlatform

Headers = dict[str, str]
Operation = APIOperation[Any, Any, Any, Any]
GeneratedCase = Case[Operation]


@pytest.fixture(scope="session")
def platform_document(served: ServedPlatform) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f"{served.url}/api/schema/openapi.json")


@pytest.fixture(scope="session")
def admin_document(served: ServedPlatform) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f"{served.url}/admin/v1/schema/openapi.json")


@pytest.fixture
async def council_address(served: ServedPlatform, council: CouncilWithOrganization) -> str:  # noqa: F811
    """A council of the test's own offering every installed module, addressed by its path prefix."""
    registry: ModuleRegistry = served.services.registry
    slug = await council(modules={module.code: {"enabled": True, "settings": {}} for module in registry.modules})
    return f"{served.url}/t/{slug}"


@pytest.fixture
def resident(dev_identity: DevIdentity) -> Headers:  # noqa: F811
    return bearer(dev_identity.issue_token("rosa.resident@example.org"))


@pytest.fixture
async def staff(dev_identity: DevIdentity, council_address: str) -> Headers:  # noqa: F811
    slug = council_address.rsplit("/", 1)[1]
    return bearer(await staff_token(dev_identity, f"staff@{slug}.example", slug))


@pytest.fixture
async def council_admin(dev_identity: DevIdentity, council_address: str) -> Headers:  # noqa: F811
    slug = council_address.rsplit("/", 1)[1]
    return bearer(await staff_token(dev_identity, f"admin@{slug}.example", slug, role=Role.COUNCIL_ADMIN))


@pytest.fixture
def operator(dev_identity: DevIdentity) -> Headers:  # noqa: F811
    """A platform operator signed in through the identity provider (the operators' savings pages)."""
    return bearer(dev_identity.issue_token("olu.operator@civicshare.example"))


@pytest.fixture(scope="session")
async def operator_key(database: Database) -> Headers:
    """An operator's API key of full scope (the admin API)."""
    return bearer(await make_key(database, "full", name="property tests"))


@pytest.fixture
async def system_key(served: ServedPlatform, council_address: str, council_admin: Headers) -> Headers:
    """A write key of the council's own system (the system API), made by its administrator."""
    async with httpx.AsyncClient(base_url=council_address) as client:
        made = await client.post(
            "/api/v1/staff/system-keys", json={"name": "Property tests", "scope": "write"}, headers=council_admin
        )
    assert made.status_code == 201, made.text
    return bearer(made.json()["key"])
