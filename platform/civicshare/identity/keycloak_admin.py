"""Provision the civicshare realm through Keycloak's admin REST API (python-keycloak).

Councils are Keycloak organizations whose alias is the council slug. ``KeycloakProvisioner``
acts as the ``civicshare-provisioner`` client's service account (client credentials);
``apply_realm_template`` needs a master-realm administrator because it may create the realm.
The calls are synchronous: async callers should run them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError, KeycloakPostError

REALM = "civicshare"
PROVISIONER_CLIENT_ID = "civicshare-provisioner"
MEMBER_ROLES = frozenset({"council-admin", "council-staff"})
ORGANIZATION_SCOPE = "organization"
ORGANIZATION_MAPPER_TYPE = "oidc-organization-membership-mapper"
# Tokens list each organization as {alias: {"id": ...}} rather than a bare alias list.
ORGANIZATION_MAPPER_CONFIG = {"addOrganizationId": "true"}
# Client fields that the admin API sets through their own endpoints, not the client PUT.
_CLIENT_SUB_RESOURCES = ("protocolMappers", "defaultClientScopes", "optionalClientScopes")
_REALM_SUB_RESOURCES = ("realm", "roles", "clients", "users")
HTTP_CONFLICT = 409
HTTP_NOT_FOUND = 404


class ProvisioningError(RuntimeError):
    """The realm is not in the shape provisioning expects (e.g. an unknown role)."""


def admin_as_master_user(
    server_url: str, username: str, password: str, realm: str = REALM, timeout: int = 30
) -> KeycloakAdmin:
    """An admin client for ``realm`` signed in as a master-realm administrator."""
    connection = KeycloakOpenIDConnection(
        server_url=server_url,
        username=username,
        password=password,
        realm_name=realm,
        user_realm_name="master",
        client_id="admin-cli",
        timeout=timeout,
    )
    return KeycloakAdmin(connection=connection)


def admin_as_provisioner(
    server_url: str,
    client_secret: str,
    realm: str = REALM,
    client_id: str = PROVISIONER_CLIENT_ID,
    timeout: int = 30,
) -> KeycloakAdmin:
    """An admin client for ``realm`` acting as the provisioner's service account."""
    connection = KeycloakOpenIDConnection(
        server_url=server_url,
        realm_name=realm,
        client_id=client_id,
        client_secret_key=client_secret,
        timeout=timeout,
    )
    return KeycloakAdmin(connection=connection)


def apply_realm_template(server_url: str, admin_user: str, admin_password: str, template: Mapping[str, Any]) -> None:
    """Create the realm from the template, or bring an existing realm's settings, roles,
    clients and service-account roles in line with it. Running it twice changes nothing."""
    realm = str(template["realm"])
    admin = admin_as_master_user(server_url, admin_user, admin_password, realm)
    if realm not in {existing["realm"] for existing in admin.get_realms()}:
        admin.create_realm(dict(template))
    else:
        settings = {key: value for key, value in template.items() if key not in _REALM_SUB_RESOURCES}
        admin.update_realm(realm, settings)
    _apply_roles(admin, template.get("roles", {}).get("realm", []))
    for client in template.get("clients", []):
        _apply_client(admin, client)
    for user in template.get("users", []):
        if user.get("serviceAccountClientId"):
            _apply_service_account_roles(admin, user["serviceAccountClientId"], user.get("clientRoles", {}))
    _apply_organization_claim(admin)


def _apply_roles(admin: KeycloakAdmin, roles: Iterable[Mapping[str, Any]]) -> None:
    for role in roles:
        admin.create_realm_role(dict(role), skip_exists=True)
        current = admin.get_realm_role(role["name"])
        if current.get("description") != role.get("description"):
            admin.update_realm_role(role["name"], {**current, "description": role.get("description")})


def _apply_client(admin: KeycloakAdmin, client: Mapping[str, Any]) -> None:
    client_uuid = admin.get_client_id(client["clientId"])
    if client_uuid is None:
        client_uuid = admin.create_client(dict(client))
    else:
        settings = {key: value for key, value in client.items() if key not in _CLIENT_SUB_RESOURCES}
        # Council hosts are added to the redirect URIs at onboarding: re-applying the template keeps them.
        existing = admin.get_client(client_uuid)
        for merged in ("redirectUris", "webOrigins"):
            if merged in settings:
                settings[merged] = list(dict.fromkeys([*settings[merged], *existing.get(merged, [])]))
        admin.update_client(client_uuid, settings)
    _apply_client_mappers(admin, client_uuid, client.get("protocolMappers", []))
    _apply_client_scopes(admin, client_uuid, client.get("defaultClientScopes"), client.get("optionalClientScopes"))


def _apply_client_mappers(admin: KeycloakAdmin, client_uuid: str, mappers: Sequence[Mapping[str, Any]]) -> None:
    current = {mapper["name"]: mapper for mapper in admin.get_mappers_from_client(client_uuid)}
    for mapper in mappers:
        existing = current.get(mapper["name"])
        if existing is None:
            admin.add_mapper_to_client(client_uuid, dict(mapper))
        elif existing.get("config") != mapper.get("config") or (
            existing.get("protocolMapper") != mapper.get("protocolMapper")
        ):
            admin.update_client_mapper(client_uuid, existing["id"], {**mapper, "id": existing["id"]})


def _apply_client_scopes(
    admin: KeycloakAdmin,
    client_uuid: str,
    default_scopes: Sequence[str] | None,
    optional_scopes: Sequence[str] | None,
) -> None:
    scope_ids = {scope["name"]: scope["id"] for scope in admin.get_client_scopes()}
    current_default = {s["name"] for s in admin.get_client_default_client_scopes(client_uuid)}
    current_optional = {s["name"] for s in admin.get_client_optional_client_scopes(client_uuid)}
    # Remove before adding: a scope can be default or optional for a client, not both.
    if default_scopes is not None:
        for name in current_default - set(default_scopes):
            admin.delete_client_default_client_scope(client_uuid, scope_ids[name])
    if optional_scopes is not None:
        for name in current_optional - set(optional_scopes):
            admin.delete_client_optional_client_scope(client_uuid, scope_ids[name])
    for name in set(default_scopes or ()) - current_default:
        admin.add_client_default_client_scope(client_uuid, _scope_id(scope_ids, name), {})
    for name in set(optional_scopes or ()) - current_optional:
        admin.add_client_optional_client_scope(client_uuid, _scope_id(scope_ids, name), {})


def _scope_id(scope_ids: Mapping[str, str], name: str) -> str:
    if name not in scope_ids:
        raise ProvisioningError(f"client scope {name!r} does not exist in the realm")
    return scope_ids[name]


def _apply_service_account_roles(
    admin: KeycloakAdmin, client_id: str, client_roles: Mapping[str, Sequence[str]]
) -> None:
    client_uuid = admin.get_client_id(client_id)
    if client_uuid is None:
        raise ProvisioningError(f"client {client_id!r} is missing")
    user_id = admin.get_client_service_account_user(client_uuid)["id"]
    for role_client_id, role_names in client_roles.items():
        role_client_uuid = admin.get_client_id(role_client_id)
        if role_client_uuid is None:
            raise ProvisioningError(f"client {role_client_id!r} is missing")
        granted = {role["name"] for role in admin.get_client_roles_of_user(user_id, role_client_uuid)}
        missing = [admin.get_client_role(role_client_uuid, name) for name in role_names if name not in granted]
        if missing:
            admin.assign_client_role(user_id, role_client_uuid, missing)


def _apply_organization_claim(admin: KeycloakAdmin) -> None:
    """Make the built-in ``organization`` scope put each organization's id in tokens."""
    scope = admin.get_client_scope_by_name(ORGANIZATION_SCOPE)
    if scope is None:
        raise ProvisioningError("the realm has no 'organization' client scope (organizations disabled?)")
    for mapper in scope.get("protocolMappers", []):
        if mapper.get("protocolMapper") != ORGANIZATION_MAPPER_TYPE:
            continue
        config = {**mapper.get("config", {}), **ORGANIZATION_MAPPER_CONFIG}
        if config != mapper.get("config"):
            admin.update_mapper_in_client_scope(scope["id"], mapper["id"], {**mapper, "config": config})


class KeycloakProvisioner:
    """Councils as organizations (alias = slug) and their people, in one realm."""

    def __init__(self, admin: KeycloakAdmin) -> None:
        self.admin = admin

    @classmethod
    def connect(
        cls, server_url: str, client_secret: str, realm: str = REALM, client_id: str = PROVISIONER_CLIENT_ID
    ) -> KeycloakProvisioner:
        return cls(admin_as_provisioner(server_url, client_secret, realm, client_id))

    def find_organization(self, slug: str) -> dict[str, Any] | None:
        """The organization whose alias is ``slug``, or None."""
        # The search parameter matches names and domains, not aliases, so filter the listing here.
        for organization in self.admin.get_organizations({"briefRepresentation": "false"}):
            if organization.get("alias") == slug:
                found: dict[str, Any] = organization
                return found
        return None

    def organization_id(self, slug: str) -> str:
        organization = self.find_organization(slug)
        if organization is None:
            raise ProvisioningError(f"no organization with alias {slug!r}")
        return str(organization["id"])

    def ensure_organization(self, slug: str, name: str, domains: Sequence[str]) -> str:
        """Create the council's organization, or update its name and domains; return its id."""
        wanted_domains = sorted(set(domains))
        existing = self.find_organization(slug)
        if existing is None:
            created = self.admin.create_organization(
                {
                    "alias": slug,
                    "name": name,
                    "enabled": True,
                    "domains": [{"name": domain} for domain in wanted_domains],
                }
            )
            return created or self.organization_id(slug)
        current_domains = sorted(domain["name"] for domain in existing.get("domains", []))
        if existing.get("name") != name or current_domains != wanted_domains:
            kept = {d["name"]: d for d in existing.get("domains", []) if d["name"] in wanted_domains}
            payload = {
                **existing,
                "name": name,
                "domains": [kept.get(domain, {"name": domain}) for domain in wanted_domains],
            }
            self.admin.update_organization(existing["id"], payload)
        return str(existing["id"])

    def set_organization_enabled(self, slug: str, enabled: bool) -> None:
        organization = self.find_organization(slug)
        if organization is None:
            raise ProvisioningError(f"no organization with alias {slug!r}")
        if organization.get("enabled") != enabled:
            self.admin.update_organization(organization["id"], {**organization, "enabled": enabled})

    def disable_organization(self, slug: str) -> None:
        """Suspend a council: its organization stays, but is disabled."""
        self.set_organization_enabled(slug, False)

    def enable_organization(self, slug: str) -> None:
        """Resume a suspended council."""
        self.set_organization_enabled(slug, True)

    def delete_organization(self, slug: str) -> bool:
        """Offboard a council: delete its organization (its members' accounts remain). True if it existed."""
        organization = self.find_organization(slug)
        if organization is None:
            return False
        self.admin.delete_organization(organization["id"])
        return True

    def find_user_id(self, email: str) -> str | None:
        for user in self.admin.get_users({"email": email, "exact": "true"}):
            if str(user.get("email", "")).lower() == email.lower():
                return str(user["id"])
        return None

    def delete_user(self, email: str) -> str | None:
        """Delete the person's account after ending its sessions; the id it had, None if there was none."""
        user_id = self.find_user_id(email)
        if user_id is not None:
            self.admin.user_logout(user_id)
            self.admin.delete_user(user_id)
        return user_id

    def create_user(
        self,
        email: str,
        password: str | None = None,
        roles: Iterable[str] = (),
        *,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> str:
        """Create the user (or reuse the one with this email), set its password and grant realm roles."""
        user_id = self.find_user_id(email)
        if user_id is None:
            local_part = email.split("@", 1)[0]
            user_id = self.admin.create_user(
                {
                    "username": email,
                    "email": email,
                    "emailVerified": True,
                    "enabled": True,
                    # The realm's user profile requires names; without them sign-in stops at "update profile".
                    "firstName": first_name or local_part,
                    "lastName": last_name or "-",
                }
            )
        if password is not None:
            self.admin.set_user_password(user_id, password, temporary=False)
        self.grant_realm_roles(user_id, roles)
        return user_id

    def grant_realm_roles(self, user_id: str, roles: Iterable[str]) -> None:
        granted = {role["name"] for role in self.admin.get_realm_roles_of_user(user_id)}
        missing = []
        for name in sorted(set(roles) - granted):
            try:
                missing.append(self.admin.get_realm_role(name))
            except KeycloakGetError as error:
                if error.response_code == HTTP_NOT_FOUND:
                    raise ProvisioningError(f"realm role {name!r} does not exist") from error
                raise
        if missing:
            self.admin.assign_realm_roles(user_id, missing)

    def add_member(self, slug: str, email: str, role: str) -> str:
        """Make the person a member of the council's organization with realm role ``role``
        (council-admin or council-staff), creating their account if needed; return the user id."""
        if role not in MEMBER_ROLES:
            raise ProvisioningError(f"role must be one of {sorted(MEMBER_ROLES)}, not {role!r}")
        organization_id = self.organization_id(slug)
        user_id = self.create_user(email, roles=[role])
        try:
            self.admin.organization_user_add(user_id, organization_id)
        except KeycloakPostError as error:
            if error.response_code != HTTP_CONFLICT:  # already a member
                raise
        return user_id

    def remove_member(self, slug: str, email: str) -> bool:
        """End the person's membership of the council (their account remains). True if they were a member."""
        user_id = self.find_user_id(email)
        if user_id is None:
            return False
        organization_id = self.organization_id(slug)
        members = {member["id"] for member in self.admin.get_organization_members(organization_id)}
        if user_id not in members:
            return False
        self.admin.organization_user_remove(user_id, organization_id)
        return True

    def members(self, slug: str) -> list[tuple[str, str, str]]:
        """(user id, email, name) of every member of the council's organization, by email."""
        found = self.admin.get_organization_members(self.organization_id(slug))
        people = []
        for member in found:
            email = str(member.get("email") or member.get("username") or "")
            name = " ".join(part for part in (member.get("firstName"), member.get("lastName")) if part) or email
            people.append((str(member["id"]), email, name))
        return sorted(people, key=lambda person: person[1])

    def add_redirect_uris(self, client_id: str, uris: Iterable[str]) -> None:
        """Allow more redirect URIs (e.g. a council's own host) on a client; existing ones stay.

        Keycloak matches a trailing ``/*`` only; it has no host wildcard (``*.localhost``), so each
        council host is registered when the council is onboarded. Loopback hosts
        (127.0.0.1, localhost) already match on any port.
        """
        client_uuid = self.admin.get_client_id(client_id)
        if client_uuid is None:
            raise ProvisioningError(f"client {client_id!r} is missing")
        client = self.admin.get_client(client_uuid)
        current = list(client.get("redirectUris", []))
        added = [uri for uri in dict.fromkeys(uris) if uri not in current]
        if added:
            self.admin.update_client(client_uuid, {"redirectUris": current + added})

    def ensure_council_client(
        self,
        template_client_id: str,
        client_id: str,
        *,
        name: str,
        origins: Sequence[str],
        branding: Mapping[str, str],
    ) -> str:
        """Create or update a council's own sign-in client: the web client's settings, mappers and scopes,
        the council's hosts only, and its branding as attributes. Returns the client's uuid."""
        template_uuid = self.admin.get_client_id(template_client_id)
        if template_uuid is None:
            raise ProvisioningError(f"client {template_client_id!r} is missing")
        template = self.admin.get_client(template_uuid)
        attributes = {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": "##".join(f"{origin}/*" for origin in origins),
            **branding,
        }
        wanted: dict[str, Any] = {
            "clientId": client_id,
            "name": name,
            "enabled": True,
            "protocol": "openid-connect",
            "publicClient": True,
            "standardFlowEnabled": True,
            "implicitFlowEnabled": False,
            "directAccessGrantsEnabled": False,
            "serviceAccountsEnabled": False,
            "frontchannelLogout": True,
            "baseUrl": f"{origins[0]}/",
            "redirectUris": [f"{origin}/*" for origin in origins],
            "webOrigins": ["+"],
            "attributes": attributes,
        }
        client_uuid = self.admin.get_client_id(client_id)
        if client_uuid is None:
            created: str = self.admin.create_client(
                {
                    **wanted,
                    "protocolMappers": [
                        {key: value for key, value in mapper.items() if key != "id"}
                        for mapper in template.get("protocolMappers", [])
                    ],
                    "defaultClientScopes": template.get("defaultClientScopes", []),
                    "optionalClientScopes": template.get("optionalClientScopes", []),
                }
            )
            return created
        current = self.admin.get_client(client_uuid)
        if any(current.get(key) != value for key, value in wanted.items() if key != "attributes") or any(
            current.get("attributes", {}).get(key) != value for key, value in attributes.items()
        ):
            self.admin.update_client(client_uuid, wanted)
        return client_uuid

    def delete_client(self, client_id: str) -> bool:
        client_uuid = self.admin.get_client_id(client_id)
        if client_uuid is None:
            return False
        self.admin.delete_client(client_uuid)
        return True

    def organizations_of(self, email: str) -> list[str]:
        """The aliases (council slugs) of the organizations the person belongs to."""
        user_id = self.find_user_id(email)
        if user_id is None:
            return []
        return sorted(str(org.get("alias")) for org in self.admin.get_user_organizations(user_id))
