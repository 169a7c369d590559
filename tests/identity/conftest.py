"""A real Keycloak for the identity tests: started once per test session, stopped at its end.

Where it comes from is chosen here, in one place (`keycloak_source`): testcontainers' Keycloak when a
Docker engine answers `docker info` and the testcontainers package is importable, else the server
from infra/keycloak (Maven Central's distribution on this machine's Java). The infra server runs from
its own state dir (var/keycloak-tests), so a developer's `civicshare keycloak up` is left alone; the
download cache is shared; a test server already running (a developer reusing it between runs) is
reused and left running. Without Java 21+, Maven or the download the tests are skipped, except under
CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import httpx
import pytest
from keycloak import KeycloakOpenID
from pydantic import SecretStr

from civicshare.db.engine import Database
from civicshare.identity.keycloak_admin import KeycloakProvisioner, apply_realm_template
from civicshare.identity.keycloak_server import (
    KeycloakInfo,
    KeycloakServer,
    KeycloakUnavailable,
    find_repo_root,
)
from civicshare.settings import IdentityProvider, Settings
from tests.support import ServedPlatform, keycloak_for_tests


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (CI=true): CI must not pass by silently skipping Keycloak."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Keycloak is required in CI but cannot start: {reason}", pytrace=False)
    pytest.skip(f"Keycloak cannot start here: {reason}")


# Start-up timings, printed in the terminal summary (output is captured while tests run).
TIMINGS: list[str] = []

# Keycloak takes about a minute to start on two cores. When the run has tests that need it, it is started
# in a thread as soon as collection ends, so it starts while the tests before them run; the fixture then
# waits for that start (the server's own file lock makes a second `up()` wait and reuse it).
EARLY_START: list[threading.Thread] = []
RUNNING_BEFORE_THE_SESSION: list[bool] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    wanted = any(item.get_closest_marker("keycloak") is not None for item in items)
    # Under xdist the controller starts it at the start of the session (tests/conftest.py).
    if not wanted or EARLY_START or keycloak_source() != "infra" or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    server = keycloak_for_tests()
    RUNNING_BEFORE_THE_SESSION.append(server.status() is not None)

    def start() -> None:
        with contextlib.suppress(Exception):  # the fixture's own up() reports any failure
            server.up()

    thread = threading.Thread(target=start, name="keycloak-early-start", daemon=True)
    thread.start()
    EARLY_START.append(thread)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("keycloak")
        for line in TIMINGS:
            terminalreporter.write_line(line)


def docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def keycloak_source() -> Literal["testcontainers", "infra"]:
    """testcontainers where a Docker engine exists and the package is installed; else infra/keycloak."""
    if os.environ.get("CIVICSHARE_KEYCLOAK_SOURCE") in ("testcontainers", "infra"):
        return os.environ["CIVICSHARE_KEYCLOAK_SOURCE"]  # type: ignore[return-value]
    if importlib.util.find_spec("testcontainers") is not None and docker_works():
        return "testcontainers"
    return "infra"


def start_testcontainers_keycloak() -> Iterator[KeycloakInfo]:
    """Keycloak in a container (same version), with the realm template applied through the admin API."""
    from testcontainers.keycloak import KeycloakContainer  # type: ignore[import-not-found,unused-ignore]

    from civicshare.identity.keycloak_server import KEYCLOAK_VERSION, TEMPLATE_NAME, development_realm

    secret = uuid.uuid4().hex
    began = time.monotonic()
    themes = find_repo_root() / "infra" / "keycloak" / "themes" / "civicshare"
    container = KeycloakContainer(f"quay.io/keycloak/keycloak:{KEYCLOAK_VERSION}").with_volume_mapping(
        str(themes), "/opt/keycloak/themes/civicshare"
    )
    with container:
        base_url = container.get_url().rstrip("/")
        template = development_realm(find_repo_root() / "infra" / "keycloak" / TEMPLATE_NAME, secret)
        apply_realm_template(base_url, container.username, container.password, template)
        started = round(time.monotonic() - began, 2)
        TIMINGS.append(f"Keycloak {KEYCLOAK_VERSION} from testcontainers at {base_url}: ready in {started:.1f}s")
        yield KeycloakInfo(
            base_url=base_url,
            realm=template["realm"],
            admin_user=container.username,
            admin_password=container.password,
            pid=0,
            port=int(base_url.rsplit(":", 1)[1]),
            started_seconds=started,
            provisioner_client_id="civicshare-provisioner",
            provisioner_secret=secret,
        )


@pytest.fixture(scope="session")
def keycloak_server() -> Iterator[KeycloakServer]:
    """The infra/keycloak server (tests of the server itself ask for it; under testcontainers they skip)."""
    if keycloak_source() != "infra":
        pytest.skip("Keycloak comes from testcontainers here; this test needs the infra/keycloak server")
    server = keycloak_for_tests()
    waited = time.monotonic()
    for thread in EARLY_START:
        thread.join()
    waited = time.monotonic() - waited
    already_running = any(RUNNING_BEFORE_THE_SESSION) if EARLY_START else server.status() is not None
    try:
        began = time.monotonic()
        cached = (server.cache_dir / server.version / ".complete").is_file()
        server.ensure_distribution()
        fetched = time.monotonic() - began
        info = server.up()
    except KeycloakUnavailable as error:
        unavailable(str(error))
        raise  # unreachable: unavailable() always raises
    total = time.monotonic() - began
    TIMINGS.append(
        f"Keycloak {server.version} at {info.base_url}: distribution "
        f"{'cached' if cached else 'downloaded'} in {fetched:.1f}s, server ready in "
        f"{info.started_seconds:.1f}s, up() total {total:.1f}s"
        + (f" (started at collection; the first test needing it waited {waited:.1f}s)" if EARLY_START else ""),
    )
    yield server
    if not already_running and not os.environ.get("PYTEST_XDIST_WORKER"):
        server.down()  # under xdist the controller stops it, once every worker is done (tests/conftest.py)


@pytest.fixture(scope="session")
def keycloak(request: pytest.FixtureRequest) -> Iterator[KeycloakInfo]:
    if keycloak_source() == "testcontainers":
        yield from start_testcontainers_keycloak()
        return
    server: KeycloakServer = request.getfixturevalue("keycloak_server")
    info = server.status()
    assert info is not None
    yield info  # noqa: PT022 - a generator: the testcontainers branch has a teardown


@pytest.fixture(scope="session")
def keycloak_settings(settings: Settings, keycloak: KeycloakInfo) -> Settings:
    return settings.model_copy(
        update={
            "identity_provider": IdentityProvider.KEYCLOAK,
            "keycloak_url": keycloak.base_url,
            "keycloak_provisioner_secret": SecretStr(keycloak.provisioner_secret),
        }
    )


@pytest.fixture(scope="session")
def keycloak_platform(keycloak_settings: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    """The whole platform served with Keycloak as its identity provider."""
    platform = ServedPlatform(keycloak_settings, database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
async def kc_http(keycloak_platform: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=keycloak_platform.url, timeout=30) as client:
        yield client


PASSWORD = "correct-Horse-9-battery"


def password_token(info: KeycloakInfo, email: str, scope: str = "openid organization:*") -> dict[str, Any]:
    """Tokens from the TEST ONLY civicshare-tests client's password grant."""
    oidc = KeycloakOpenID(server_url=info.base_url, realm_name=info.realm, client_id="civicshare-tests")
    tokens: dict[str, Any] = oidc.token(email, PASSWORD, scope=scope)
    return tokens


@pytest.fixture
def provisioner(keycloak: KeycloakInfo) -> KeycloakProvisioner:
    return KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret)


@pytest.fixture
def unique() -> str:
    """A suffix for names: the test realm's data outlives a test session."""
    return uuid.uuid4().hex[:10]
