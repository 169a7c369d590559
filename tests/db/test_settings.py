"""Settings are checked at start-up; production refuses the demo's parts."""

from __future__ import annotations

import pytest

from civicshare.settings import Mode, SettingsError, load_settings


def test_production_refuses_demo_credentials_dev_identity_and_embedded_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIVICSHARE_MODE", "production")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "CIVICSHARE_SECRET_KEY" in message
    assert "CIVICSHARE_IDENTITY_PROVIDER=dev" in message
    assert "CIVICSHARE_DATABASE_URL" in message


def test_production_starts_with_its_own_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICSHARE_MODE", "production")
    monkeypatch.setenv("CIVICSHARE_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CIVICSHARE_IDENTITY_PROVIDER", "keycloak")
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", "postgresql+asyncpg://civicshare@db.internal/civicshare")
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_URL", "https://id.civicshare.example")
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_PROVISIONER_SECRET", "s" * 32)
    settings = load_settings()
    assert not settings.uses_embedded_database


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICSHARE_PORT", "eighty")
    with pytest.raises(SettingsError, match="CIVICSHARE_PORT"):
        load_settings()


def test_with_no_mode_set_the_platform_runs_in_production_and_refuses_the_demo_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Development is only ever asked for (`make demo`, the test suite): forgetting the mode is safe."""
    monkeypatch.delenv("CIVICSHARE_MODE", raising=False)
    monkeypatch.setenv("CIVICSHARE_IDENTITY_PROVIDER", "keycloak")
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", "postgresql+asyncpg://civicshare@db.internal/civicshare")
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_URL", "https://id.civicshare.example")
    monkeypatch.setenv("CIVICSHARE_KEYCLOAK_PROVISIONER_SECRET", "s" * 32)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "production mode refuses to start" in message
    assert "CIVICSHARE_SECRET_KEY" in message and "published demo" in message
    assert "CIVICSHARE_MODE=development" in message  # says how to ask for the demo instead

    monkeypatch.setenv("CIVICSHARE_SECRET_KEY", "x" * 40)
    assert load_settings().mode is Mode.PRODUCTION
