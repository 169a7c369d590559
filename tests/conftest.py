"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per run, the platform
served over real HTTP by uvicorn on a free loopback port, and councils made to order."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]
from xdist.workermanage import Producer  # type: ignore[import-untyped]

from civicshare.db.embedded import EmbeddedServer, start_embedded_postgres
from civicshare.db.engine import Database, make_engine
from civicshare.db.migrations import upgrade_platform
from civicshare.settings import PROJECT_ROOT, Mode, Settings
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import onboard_tenant
from tests.support import ServedPlatform, council_definition, keycloak_for_tests

TENANTS_DIR = PROJECT_ROOT / "tenants"
# The suite runs the platform as `make demo` does (embedded PostgreSQL, the dev identity), so it asks for
# development explicitly, for this process and every command and worker it starts; production is the
# default otherwise (tests that check that default remove it).
os.environ["CIVICSHARE_MODE"] = Mode.DEVELOPMENT.value

# The suite sends thousands of requests from 127.0.0.1 to apps that live for the whole session: every
# rate limit far above that, but still counted (tests/ratelimits sets low ones on an app of its own).
# Set in the environment, so every Settings() and every `civicshare serve` the tests start sees it.
for _name in Settings.model_fields:
    if _name.startswith("rate_limit_") and _name.endswith(("_per_address", "_per_council")):
        os.environ.setdefault(f"CIVICSHARE_{_name.upper()}", "1000000/second")


# `make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadscope`). Each worker is a test
# session of its own: its own database (`database_url`), apps and councils, on the one embedded server.
# A module's tests stay on one worker, so module-scoped apps start once, and every test under
# tests/identity (the Keycloak server's: some stop and restart it) on one worker; the controller stops
# that server at the end. (xdist's own `loadgroup` renames node ids, which pytest 9.2 ignores.)
KEYCLOAK_TESTS = "tests/identity/"
KEYCLOAK_WAS_RUNNING = pytest.StashKey[bool]()


class ModulesAndKeycloak(LoadScopeScheduling):  # type: ignore[misc]
    def _split_scope(self, nodeid: str) -> str:
        return KEYCLOAK_TESTS if nodeid.startswith(KEYCLOAK_TESTS) else nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    return ModulesAndKeycloak(config, log) if config.getvalue("dist") == "loadscope" else None


def _xdist_controller(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _xdist_controller(session.config):
        session.config.stash[KEYCLOAK_WAS_RUNNING] = keycloak_for_tests().status() is not None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller stops the Keycloak server its workers started (one left running before is left so)."""
    if _xdist_controller(session.config) and not session.config.stash.get(KEYCLOAK_WAS_RUNNING, True):
        server = keycloak_for_tests()
        if server.status() is not None:
            server.down()


@pytest.fixture(scope="session")
def embedded_postgres() -> EmbeddedServer:
    return start_embedded_postgres(PROJECT_ROOT / "var")


@pytest.fixture(scope="session")
async def database_url(embedded_postgres: EmbeddedServer) -> AsyncIterator[str]:
    """A database of its own for this test run, dropped at the end."""
    name = f"civicshare_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(embedded_postgres.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield embedded_postgres.url(name)
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        mode=Mode.DEVELOPMENT,
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        tenants_dir=TENANTS_DIR,
        tenant_cache_seconds=0,
        log_format="console",
    )


@pytest.fixture(scope="session")
async def database(settings: Settings, database_url: str) -> AsyncIterator[Database]:
    db = Database(engine=make_engine(database_url, pool_size=5), url=database_url)
    await upgrade_platform(db.engine)
    yield db
    await db.dispose()


CouncilFactory = Callable[..., Awaitable[TenantDefinition]]


@pytest.fixture
def make_council(database: Database) -> CouncilFactory:
    """Onboard a council of the test's own, with a unique slug, GSS code and reference prefix."""

    async def make(slug: str | None = None, **fields: object) -> TenantDefinition:
        definition = council_definition(slug, **fields)
        async with database.engine.begin() as connection:
            await onboard_tenant(connection, definition)
        return definition

    return make


@pytest.fixture(scope="session")
def served(settings: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    platform = ServedPlatform(settings, database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
async def http(served: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        yield client
