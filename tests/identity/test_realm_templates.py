"""The realm template a deployment imports holds no test-only client: the password grant (anyone who
knows a password gets tokens without the sign-in page, MFA or brute-force checks) is only in the tests'
overlay, which the development Keycloak (tests, `make demo`) lays over it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civicshare.identity.keycloak_server import DevSecrets, KeycloakServer, find_repo_root

PRODUCTION_TEMPLATE = find_repo_root() / "infra" / "keycloak" / "realm-civicshare.json"


def clients(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {client["clientId"]: client for client in realm["clients"]}


def test_the_production_realm_template_has_no_password_grant_client() -> None:
    realm = json.loads(PRODUCTION_TEMPLATE.read_text())
    assert "civicshare-tests" not in clients(realm)
    for client_id, client in clients(realm).items():
        assert not client.get("directAccessGrantsEnabled", False), client_id
        assert not client.get("implicitFlowEnabled", False), client_id
    assert "TEST ONLY" not in PRODUCTION_TEMPLATE.read_text()


def test_the_development_keycloak_adds_the_test_client_over_the_production_template(tmp_path: Path) -> None:
    server = KeycloakServer(state_dir=tmp_path, cache_dir=tmp_path)
    realm = server.realm_template(DevSecrets("admin", "not-used", "provisioner-secret"))
    production = json.loads(PRODUCTION_TEMPLATE.read_text())

    assert clients(realm)["civicshare-tests"]["directAccessGrantsEnabled"] is True
    assert clients(realm)["civicshare-provisioner"]["secret"] == "provisioner-secret"
    assert set(clients(realm)) == set(clients(production)) | {"civicshare-tests"}
    assert clients(realm)["civicshare-web"] == clients(production)["civicshare-web"]
