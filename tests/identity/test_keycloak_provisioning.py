"""Council onboarding, suspension and offboarding against a real Keycloak."""

from __future__ import annotations

import pytest
from keycloak import KeycloakOpenID

from civicshare.identity.keycloak_admin import KeycloakProvisioner, ProvisioningError
from civicshare.identity.keycloak_server import KeycloakInfo

pytestmark = pytest.mark.keycloak

PASSWORD = "correct-Horse-9-battery"


def test_ensure_organization_is_idempotent(provisioner: KeycloakProvisioner, unique: str) -> None:
    slug = f"council-{unique}"
    domains = [f"{slug}.example.org"]
    first = provisioner.ensure_organization(slug, f"Borough {unique}", domains)
    before = provisioner.find_organization(slug)
    second = provisioner.ensure_organization(slug, f"Borough {unique}", domains)
    assert first == second
    assert provisioner.find_organization(slug) == before
    assert before is not None
    assert (before["alias"], before["name"], before["enabled"]) == (slug, f"Borough {unique}", True)


def test_ensure_organization_updates_name_and_domains(provisioner: KeycloakProvisioner, unique: str) -> None:
    slug = f"council-{unique}"
    org_id = provisioner.ensure_organization(slug, f"Old Name {unique}", [f"{slug}.example.org"])
    new_domains = [f"{slug}.gov.example", f"{slug}.example.org"]
    assert provisioner.ensure_organization(slug, f"New Name {unique}", new_domains) == org_id
    organization = provisioner.find_organization(slug)
    assert organization is not None
    assert organization["name"] == f"New Name {unique}"
    assert sorted(d["name"] for d in organization["domains"]) == sorted(new_domains)


def test_disable_and_enable_organization(keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str) -> None:
    slug = f"council-{unique}"
    org_id = provisioner.ensure_organization(slug, f"Suspended {unique}", [f"{slug}.example.org"])
    email = f"staff-{unique}@example.org"
    provisioner.add_member(slug, email, "council-staff")
    provisioner.create_user(email, PASSWORD)
    oidc = KeycloakOpenID(server_url=keycloak.base_url, realm_name=keycloak.realm, client_id="civicshare-tests")

    def organizations_in_token() -> object:
        token = oidc.token(email, PASSWORD, scope="openid organization:*")["access_token"]
        return oidc.decode_token(token).get("organization")

    provisioner.disable_organization(slug)
    provisioner.disable_organization(slug)
    organization = provisioner.find_organization(slug)
    assert organization is not None
    assert organization["enabled"] is False
    # A suspended council drops out of its members' tokens.
    assert organizations_in_token() is None

    provisioner.enable_organization(slug)
    organization = provisioner.find_organization(slug)
    assert organization is not None
    assert organization["enabled"] is True
    assert organizations_in_token() == {slug: {"id": org_id}}


def test_delete_organization_keeps_the_accounts(provisioner: KeycloakProvisioner, unique: str) -> None:
    slug = f"council-{unique}"
    provisioner.ensure_organization(slug, f"Offboarded {unique}", [f"{slug}.example.org"])
    email = f"admin-{unique}@example.org"
    provisioner.add_member(slug, email, "council-admin")
    assert provisioner.delete_organization(slug) is True
    assert provisioner.find_organization(slug) is None
    assert provisioner.delete_organization(slug) is False
    assert provisioner.find_user_id(email) is not None
    assert provisioner.organizations_of(email) == []


@pytest.mark.parametrize("role", ["council-admin", "council-staff"])
def test_add_member_creates_the_user_and_grants_the_role(
    provisioner: KeycloakProvisioner, unique: str, role: str
) -> None:
    slug = f"council-{unique}"
    org_id = provisioner.ensure_organization(slug, f"Member Council {unique}", [f"{slug}.example.org"])
    email = f"person-{unique}@example.org"
    user_id = provisioner.add_member(slug, email, role)
    assert provisioner.add_member(slug, email, role) == user_id

    roles = {r["name"] for r in provisioner.admin.get_realm_roles_of_user(user_id)}
    assert role in roles
    members = provisioner.admin.get_organization_members(org_id)
    assert [m["id"] for m in members] == [user_id]
    assert provisioner.organizations_of(email) == [slug]


def test_one_person_can_serve_several_councils(provisioner: KeycloakProvisioner, unique: str) -> None:
    slugs = [f"shared-a-{unique}", f"shared-b-{unique}"]
    for slug in slugs:
        provisioner.ensure_organization(slug, f"Shared Service {slug}", [f"{slug}.example.org"])
    email = f"shared-{unique}@example.org"
    for slug in slugs:
        provisioner.add_member(slug, email, "council-staff")
    assert provisioner.organizations_of(email) == sorted(slugs)
    assert provisioner.remove_member(slugs[0], email) is True
    assert provisioner.remove_member(slugs[0], email) is False
    assert provisioner.organizations_of(email) == [slugs[1]]


def test_add_member_refuses_other_roles(provisioner: KeycloakProvisioner, unique: str) -> None:
    slug = f"council-{unique}"
    provisioner.ensure_organization(slug, f"Strict {unique}", [f"{slug}.example.org"])
    with pytest.raises(ProvisioningError, match="role must be one of"):
        provisioner.add_member(slug, f"x-{unique}@example.org", "platform-operator")


def test_create_user_is_idempotent_and_grants_roles(provisioner: KeycloakProvisioner, unique: str) -> None:
    email = f"operator-{unique}@example.org"
    user_id = provisioner.create_user(email, PASSWORD, ["platform-operator"])
    assert provisioner.create_user(email, PASSWORD, ["platform-operator", "resident"]) == user_id
    roles = {r["name"] for r in provisioner.admin.get_realm_roles_of_user(user_id)}
    assert {"platform-operator", "resident"} <= roles
    with pytest.raises(ProvisioningError, match="does not exist"):
        provisioner.create_user(email, roles=["no-such-role"])


def test_delete_user_removes_the_account_once(provisioner: KeycloakProvisioner, unique: str) -> None:
    email = f"leaving-{unique}@example.org"
    user_id = provisioner.create_user(email, PASSWORD, ["resident"])
    assert provisioner.delete_user(email) == user_id
    assert provisioner.find_user_id(email) is None
    assert provisioner.delete_user(email) is None
