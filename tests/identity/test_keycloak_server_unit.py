"""Fast checks of the server module that need no Keycloak."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from civicshare.identity import keycloak_server
from civicshare.identity.keycloak_server import (
    KeycloakServer,
    KeycloakUnavailable,
    find_java,
    free_port,
    java_major_version,
)

from .conftest import unavailable


def fake_java_home(root: Path, version_line: str) -> Path:
    java = root / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return root


@pytest.mark.parametrize(
    ("line", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21.0.5" 2024-10-15 LTS', 21),
        ('openjdk version "25" 2025-09-16', 25),
        ('java version "1.8.0_402"', 8),
    ],
)
def test_java_major_version_parses_java_version_output(tmp_path: Path, line: str, major: int) -> None:
    home = fake_java_home(tmp_path, line)
    assert java_major_version(home / "bin" / "java") == major


def test_java_major_version_of_a_missing_binary_is_none(tmp_path: Path) -> None:
    assert java_major_version(tmp_path / "nope" / "java") is None


def test_find_java_prefers_the_explicit_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = fake_java_home(tmp_path / "jdk", 'openjdk version "21.0.2" 2024-01-16')
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_JAVA_HOME", str(home))
    runtime = find_java()
    assert (runtime.home, runtime.major, runtime.source) == (home, 21, "CIVICSHARE_KEYCLOAK_JAVA_HOME")


def test_find_java_skips_a_too_old_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = fake_java_home(tmp_path / "old", 'openjdk version "17.0.15" 2025-04-15')
    new = fake_java_home(tmp_path / "new", 'openjdk version "25" 2025-09-16')
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_JAVA_HOME", str(old))
    monkeypatch.setenv("JAVA_HOME", str(new))
    assert find_java().home == new


def test_find_java_explains_what_it_saw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = fake_java_home(tmp_path / "old", 'openjdk version "17.0.15" 2025-04-15')
    monkeypatch.setattr(keycloak_server, "_java_home_candidates", lambda: iter([("JAVA_HOME", old)]))
    with pytest.raises(KeycloakUnavailable, match=r"needs Java 21\+.*Java 17"):
        find_java()


def test_without_maven_the_distribution_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    server = KeycloakServer(cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    with pytest.raises(KeycloakUnavailable, match="Maven"):
        server.ensure_distribution()


def test_status_drops_a_stale_state_file(tmp_path: Path) -> None:
    server = KeycloakServer(cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    server.state_dir.mkdir()
    dead_pid = 2**22 + 1  # above the default pid_max, so no process has it
    state = {
        "base_url": "http://127.0.0.1:1",
        "realm": "civicshare",
        "admin_user": "admin",
        "admin_password": "x",
        "pid": dead_pid,
        "port": 1,
        "started_seconds": 1.0,
        "provisioner_client_id": "civicshare-provisioner",
        "provisioner_secret": "y",
    }
    server.state_file.write_text(json.dumps(state))
    assert server.status() is None
    assert not server.state_file.exists()
    assert server.down() is False


def test_free_port_keeps_a_free_preferred_port() -> None:
    port = free_port()
    assert free_port(port) == port


def test_unavailable_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="no Java"):
        unavailable("no Java")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        unavailable("no Java")
