"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per run, the platform
served over real HTTP by uvicorn on a free loopback port, and councils made to order."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

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
from tests.web.browsing import AXE, CHROMIUM, CHROMIUM_ARGS, watch_content_security

TENANTS_DIR = PROJECT_ROOT / "tenants"
# The suite runs the platform as `make demo` does (embedded PostgreSQL, the dev identity), so it asks for
# development explicitly, for this process and every command and worker it starts; production is the
# default otherwise (tests that check that default remove it).
os.environ["CIVICSHARE_MODE"] = Mode.DEVELOPMENT.value
# Job workers keep no spare council schemas, so that each council a test onboards is made the same way
# whichever worker ran before it; tests/db/test_spare_schemas.py makes and takes spares on purpose.
os.environ["CIVICSHARE_SPARE_COUNCIL_SCHEMAS"] = "0"
# A savings report shows every resident's submission the moment after it, and the staff queue counts every
# page it shows; tests/savings/test_remembered_reports.py and tests/staff/test_queue_counts_kept.py set the
# lags a fleet runs with.
os.environ["CIVICSHARE_SAVINGS_ACTIVITY_LAG_SECONDS"] = "0"
os.environ["CIVICSHARE_QUEUE_COUNT_LAG_SECONDS"] = "0"

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
KEYCLOAK_EARLY_START = pytest.StashKey[threading.Thread]()


# The modules sharing tests/cli's `serving` (a `civicshare serve` on a server of its own, 15 to 35 s to
# start) run on one worker too, which starts it once rather than once on each.
SERVING_TESTS = "tests/cli/serving"
SERVING_MODULES = tuple(
    f"tests/cli/{name}.py" for name in ("test_outage_under_load", "test_serve_answers_whole", "test_serve_supervision")
)


class ModulesAndKeycloak(LoadScopeScheduling):  # type: ignore[misc]
    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(KEYCLOAK_TESTS):
            return KEYCLOAK_TESTS
        module = nodeid.split("::", 1)[0]
        return SERVING_TESTS if module in SERVING_MODULES else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    return ModulesAndKeycloak(config, log) if config.getvalue("dist") == "loadscope" else None


def _xdist_controller(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _runs_keycloak_tests(config: pytest.Config) -> bool:
    """Whether the paths asked for include tests/identity (a -k or -m selection may not: left to the fixture)."""
    if config.option.keyword or config.option.markexpr:
        return False
    identity = (PROJECT_ROOT / KEYCLOAK_TESTS).resolve()
    for argument in config.args or config.getini("testpaths"):
        path = (config.invocation_params.dir / argument.split("::", 1)[0]).resolve()
        if path == identity or identity.is_relative_to(path) or path.is_relative_to(identity):
            return True
    return False


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _xdist_controller(session.config):
        return
    server = keycloak_for_tests()
    session.config.stash[KEYCLOAK_WAS_RUNNING] = server.status() is not None
    # Keycloak takes a minute to start on two cores, and the worker given tests/identity would wait that
    # minute: the controller starts it now, while the workers collect and run the modules before, and
    # that worker's fixture finds it running (or waits on the server's lock for this start to finish).
    from tests.identity.conftest import keycloak_source

    if _runs_keycloak_tests(session.config) and keycloak_source() == "infra":

        def start() -> None:
            with contextlib.suppress(Exception):  # the fixture's own up() reports any failure
                server.up()

        thread = threading.Thread(target=start, name="keycloak-early-start", daemon=True)
        thread.start()
        session.config.stash[KEYCLOAK_EARLY_START] = thread


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller stops the Keycloak server its workers started (one left running before is left so)."""
    if _xdist_controller(session.config) and not session.config.stash.get(KEYCLOAK_WAS_RUNNING, True):
        early_start = session.config.stash.get(KEYCLOAK_EARLY_START, None)
        if early_start is not None:
            early_start.join()
        server = keycloak_for_tests()
        if server.status() is not None:
            server.down()


# The tests' embedded server, beside the demo's (var/postgres) rather than the same one, because it runs
# without fsync: its checkpoints (one at every DROP DATABASE) had tens of thousands of files of councils'
# tables to sync, 5 to 25 s each on a busy machine. No test of the session's server kills the machine
# under it, and killing PostgreSQL loses nothing written without fsync (the kernel still has it); the
# tests that kill PostgreSQL run servers of their own, which keep fsync.
TEST_SERVER_DIR = PROJECT_ROOT / "var" / "tests"


@pytest.fixture(scope="session")
def embedded_postgres() -> EmbeddedServer:
    server = start_embedded_postgres(TEST_SERVER_DIR)
    server.handle.psql("ALTER SYSTEM SET fsync = off; SELECT pg_reload_conf();")
    return server


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


# Browser tests use Debian's Chromium (`/usr/bin/chromium`, or CIVICSHARE_CHROMIUM) driven by Playwright.
# Where it cannot start they are skipped with the reason, except under CI=true, where that is a failure:
# CI must run them. Defined here only: a fixture imported into a package's conftest or a module is a
# fixture of its own there, and each started a Chromium of its own.


def _cannot_run(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _cannot_run("Playwright for Python is not installed (uv sync installs it with the dev group)")
    if not CHROMIUM.exists():
        _cannot_run(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        _cannot_run(f"axe-core is not installed at {AXE} (make assets runs npm ci)")
    playwright = await async_playwright().start()
    try:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        await playwright.stop()
        _cannot_run(f"Chromium at {CHROMIUM} could not start: {error}")
    try:
        yield chromium
    finally:
        await chromium.close()
        await playwright.stop()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1024, "height": 800})
    page = await context.new_page()
    watch_content_security(page)
    yield page
    await context.close()
