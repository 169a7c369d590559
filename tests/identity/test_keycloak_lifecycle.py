"""up() / status() / down() of the real server; measures a warm restart."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from civicshare.identity.keycloak_server import KeycloakInfo, KeycloakServer

from .conftest import TIMINGS

pytestmark = pytest.mark.keycloak


def still_running(pid: int) -> bool:
    """Whether the process runs: gone, or finished and waiting to be reaped by its parent (a zombie, when
    another test worker started it), it does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_up_when_running_returns_the_running_server(keycloak: KeycloakInfo, keycloak_server: KeycloakServer) -> None:
    again = keycloak_server.up()
    assert (again.pid, again.base_url) == (keycloak.pid, keycloak.base_url)
    assert keycloak_server.status() == again


def test_down_then_up_restarts_warm_on_the_same_url(keycloak: KeycloakInfo, keycloak_server: KeycloakServer) -> None:
    running = keycloak_server.status()
    assert running is not None
    assert keycloak_server.down() is True
    assert keycloak_server.status() is None
    assert not still_running(running.pid)
    with pytest.raises(ConnectionRefusedError):  # nothing answers on its port any more
        socket.create_connection(("127.0.0.1", urlsplit(running.base_url).port or 80), timeout=2).close()

    restarted = keycloak_server.up()
    TIMINGS.append(f"warm restart (down, up): server ready in {restarted.started_seconds:.1f}s")
    assert restarted.pid != running.pid
    # The port is reused when free, so issuer URLs (and the session's `keycloak` info) stay valid.
    assert restarted.base_url == running.base_url
