"""up() / status() / down() of the real server; measures a warm restart."""

from __future__ import annotations

import os

import pytest

from civicshare.identity.keycloak_server import KeycloakInfo, KeycloakServer

from .conftest import TIMINGS

pytestmark = pytest.mark.keycloak


def test_up_when_running_returns_the_running_server(keycloak: KeycloakInfo, keycloak_server: KeycloakServer) -> None:
    again = keycloak_server.up()
    assert (again.pid, again.base_url) == (keycloak.pid, keycloak.base_url)
    assert keycloak_server.status() == again


def test_down_then_up_restarts_warm_on_the_same_url(keycloak: KeycloakInfo, keycloak_server: KeycloakServer) -> None:
    running = keycloak_server.status()
    assert running is not None
    assert keycloak_server.down() is True
    assert keycloak_server.status() is None
    with pytest.raises(ProcessLookupError):
        os.kill(running.pid, 0)

    restarted = keycloak_server.up()
    TIMINGS.append(f"warm restart (down, up): server ready in {restarted.started_seconds:.1f}s")
    assert restarted.pid != running.pid
    # The port is reused when free, so issuer URLs (and the session's `keycloak` info) stay valid.
    assert restarted.base_url == running.base_url
