"""The realm template applied to a real Keycloak: roles, clients and the shape of tokens."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from keycloak import KeycloakOpenID

from civicshare.identity.keycloak_admin import (
    KeycloakProvisioner,
    admin_as_master_user,
    apply_realm_template,
)
from civicshare.identity.keycloak_server import KeycloakInfo, KeycloakServer

pytestmark = pytest.mark.keycloak

ROLES = {"platform-operator", "council-admin", "council-staff", "resident"}
PASSWORD = "correct-Horse-9-battery"


def token_for(info: KeycloakInfo, email: str, scope: str) -> str:
    # civicshare-tests is the tests' overlay's test-only client with the password grant;
    # civicshare-web itself only allows the authorization code flow with PKCE.
    oidc = KeycloakOpenID(server_url=info.base_url, realm_name=info.realm, client_id="civicshare-tests")
    access_token: str = oidc.token(email, PASSWORD, scope=scope)["access_token"]
    return access_token


def verified_claims(info: KeycloakInfo, token: str) -> dict[str, Any]:
    oidc = KeycloakOpenID(server_url=info.base_url, realm_name=info.realm, client_id="civicshare-tests")
    claims: dict[str, Any] = oidc.decode_token(token, validate=True)  # signature checked against JWKS
    return claims


def test_realm_has_organizations_and_the_four_roles(keycloak: KeycloakInfo) -> None:
    admin = admin_as_master_user(keycloak.base_url, keycloak.admin_user, keycloak.admin_password)
    realm = admin.get_realm(keycloak.realm)
    assert realm["organizationsEnabled"] is True
    assert {role["name"] for role in admin.get_realm_roles()} >= ROLES


def test_web_client_is_public_with_pkce(keycloak: KeycloakInfo) -> None:
    admin = admin_as_master_user(keycloak.base_url, keycloak.admin_user, keycloak.admin_password)
    web_uuid = admin.get_client_id("civicshare-web")
    assert web_uuid is not None
    web = admin.get_client(web_uuid)
    assert web["publicClient"] is True
    assert web["standardFlowEnabled"] is True
    assert web["directAccessGrantsEnabled"] is False
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"


def test_template_applies_twice_without_change(keycloak: KeycloakInfo, keycloak_server: KeycloakServer) -> None:
    admin = admin_as_master_user(keycloak.base_url, keycloak.admin_user, keycloak.admin_password)
    template = keycloak_server.realm_template(keycloak_server._dev_secrets())

    def snapshot() -> Any:
        clients = {c["clientId"]: c for c in admin.get_clients() if c["clientId"].startswith("civicshare")}
        return (
            clients,
            sorted(role["name"] for role in admin.get_realm_roles()),
            admin.get_client_scope_by_name("organization"),
        )

    apply_realm_template(keycloak.base_url, keycloak.admin_user, keycloak.admin_password, template)
    before = snapshot()
    apply_realm_template(keycloak.base_url, keycloak.admin_user, keycloak.admin_password, template)
    assert snapshot() == before


def test_token_carries_issuer_audience_roles_and_organization(
    keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str
) -> None:
    slug = f"council-{unique}"
    org_id = provisioner.ensure_organization(slug, f"Council {unique}", [f"{slug}.example.org"])
    email = f"resident-{unique}@example.org"
    user_id = provisioner.create_user(email, PASSWORD, ["resident"])
    provisioner.admin.organization_user_add(user_id, org_id)

    token = token_for(keycloak, email, "openid organization:*")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = verified_claims(keycloak, token)

    assert header["alg"] == "RS256"
    assert claims["iss"] == keycloak.issuer
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert "civicshare" in audience
    assert "resident" in claims["realm_access"]["roles"]
    assert claims["organization"] == {slug: {"id": org_id}}


def test_organization_claim_only_when_requested(
    keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str
) -> None:
    slug = f"council-{unique}"
    org_id = provisioner.ensure_organization(slug, f"Council {unique}", [f"{slug}.example.org"])
    email = f"member-{unique}@example.org"
    provisioner.admin.organization_user_add(provisioner.create_user(email, PASSWORD, ["resident"]), org_id)

    assert "organization" not in verified_claims(keycloak, token_for(keycloak, email, "openid"))
    claims = verified_claims(keycloak, token_for(keycloak, email, "openid organization"))
    assert claims["organization"] == {slug: {"id": org_id}}


def authorize(info: KeycloakInfo, redirect_uri: str) -> httpx.Response:
    return httpx.get(
        f"{info.issuer}/protocol/openid-connect/auth",
        params={
            "client_id": "civicshare-web",
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid organization:*",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"),
    [
        ("http://127.0.0.1:8000/auth/callback", True),
        ("http://localhost:5173/auth/callback", True),
        ("http://evil.example/auth/callback", False),
        ("http://localhost.evil.example/auth/callback", False),
    ],
)
def test_web_client_redirects_to_loopback_hosts_on_any_port(
    keycloak: KeycloakInfo, redirect_uri: str, allowed: bool
) -> None:
    response = authorize(keycloak, redirect_uri)
    assert (response.status_code == 200) is allowed, response.text[:300]


def test_council_hosts_are_registered_one_by_one(
    keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str
) -> None:
    council_host = f"http://c{unique}.localhost:8000"
    assert authorize(keycloak, f"{council_host}/auth/callback").status_code == 400
    provisioner.add_redirect_uris("civicshare-web", [f"{council_host}/*"])
    provisioner.add_redirect_uris("civicshare-web", [f"{council_host}/*"])
    assert authorize(keycloak, f"{council_host}/auth/callback").status_code == 200


def test_reapplying_the_template_keeps_council_hosts(
    keycloak: KeycloakInfo, keycloak_server: KeycloakServer, provisioner: KeycloakProvisioner, unique: str
) -> None:
    """Keycloak restarts re-apply the template; councils onboarded earlier must still sign residents in."""
    council_host = f"http://kept{unique}.localhost:8000"
    provisioner.add_redirect_uris("civicshare-web", [f"{council_host}/*"])
    template = keycloak_server.realm_template(keycloak_server._dev_secrets())
    apply_realm_template(keycloak.base_url, keycloak.admin_user, keycloak.admin_password, template)
    assert authorize(keycloak, f"{council_host}/auth/callback").status_code == 200
