"""A real Keycloak for the identity tests: started once per test session, stopped at its end.

It runs from its own state dir (var/keycloak-tests), so a developer's `infra/keycloak/keycloak up`
is left alone; the download cache is shared. Without Java 21+, Maven or the download the
tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from civicshare.identity.keycloak_admin import KeycloakProvisioner
from civicshare.identity.keycloak_server import (
    KeycloakInfo,
    KeycloakServer,
    KeycloakUnavailable,
    find_repo_root,
)


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (CI=true): CI must not pass by silently skipping Keycloak."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Keycloak is required in CI but cannot start: {reason}", pytrace=False)
    pytest.skip(f"Keycloak cannot start here: {reason}")


# Start-up timings, printed in the terminal summary (output is captured while tests run).
TIMINGS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("keycloak")
        for line in TIMINGS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def keycloak_server() -> Iterator[KeycloakServer]:
    server = KeycloakServer(state_dir=find_repo_root() / "var" / "keycloak-tests")
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
        f"{info.started_seconds:.1f}s, up() total {total:.1f}s",
    )
    yield server
    server.down()


@pytest.fixture(scope="session")
def keycloak(keycloak_server: KeycloakServer) -> KeycloakInfo:
    info = keycloak_server.status()
    assert info is not None
    return info


@pytest.fixture
def provisioner(keycloak: KeycloakInfo) -> KeycloakProvisioner:
    return KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret)


@pytest.fixture
def unique() -> str:
    """A suffix for names: the test realm's data outlives a test session."""
    return uuid.uuid4().hex[:10]
