"""The identity directory on Keycloak: python-keycloak's (blocking) admin calls run in a worker thread.

Each council is an organization whose alias is its slug. Its hosts are added to the web client's
redirect and post-logout URIs, since Keycloak has no wildcard for hosts. Each council also has its own
sign-in client (``oidc.council_client_id``), a copy of the web client limited to the council's hosts whose
attributes carry the council's name, colours and logo for the login theme (infra/keycloak/themes).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from keycloak.exceptions import KeycloakError as KeycloakClientError
from requests.exceptions import RequestException

from civicshare.identity.directory import CouncilOrganization, StaffMember, UnknownCouncil, check_member_role
from civicshare.identity.keycloak_admin import KeycloakProvisioner, ProvisioningError
from civicshare.identity.oidc import council_client_id
from civicshare.identity.principal import Role
from civicshare.identity.tokens import IdentityUnavailable

T = TypeVar("T")
POST_LOGOUT_ATTRIBUTE = "post.logout.redirect.uris"


class KeycloakDirectory:
    def __init__(
        self,
        server_url: str,
        realm: str,
        provisioner_client_id: str,
        provisioner_secret: str,
        web_client_id: str,
    ) -> None:
        self.server_url = server_url
        self.realm = realm
        self.provisioner_client_id = provisioner_client_id
        self.provisioner_secret = provisioner_secret
        self.web_client_id = web_client_id
        self._provisioner: KeycloakProvisioner | None = None
        self._lock = threading.Lock()

    def _connect(self) -> KeycloakProvisioner:
        with self._lock:
            if self._provisioner is None:
                self._provisioner = KeycloakProvisioner.connect(
                    self.server_url, self.provisioner_secret, self.realm, self.provisioner_client_id
                )
            return self._provisioner

    async def _run(self, work: Callable[[KeycloakProvisioner], T]) -> T:
        def call() -> T:
            try:
                return work(self._connect())
            except (RequestException, KeycloakClientError) as error:
                if isinstance(error, KeycloakClientError) and getattr(error, "response_code", None):
                    raise
                self._provisioner = None  # connect afresh next time (Keycloak may have restarted)
                raise IdentityUnavailable(f"Keycloak at {self.server_url} cannot be reached: {error}") from error

        return await asyncio.to_thread(call)

    async def ensure_council(self, council: CouncilOrganization) -> str:
        def work(provisioner: KeycloakProvisioner) -> str:
            organization_id = provisioner.ensure_organization(council.slug, council.name, council.domains)
            provisioner.set_organization_enabled(council.slug, council.enabled)
            if council.origins:
                provisioner.add_redirect_uris(self.web_client_id, [f"{origin}/*" for origin in council.origins])
                self._add_post_logout_uris(provisioner, [f"{origin}/*" for origin in council.origins])
                provisioner.ensure_council_client(
                    self.web_client_id,
                    council_client_id(self.web_client_id, council.slug),
                    name=council.name,
                    origins=council.origins,
                    branding=branding_attributes(council),
                )
            return organization_id

        return await self._run(work)

    async def allow_sign_in_from(self, origins: tuple[str, ...]) -> None:
        def work(provisioner: KeycloakProvisioner) -> None:
            uris = [f"{origin}/*" for origin in origins]
            provisioner.add_redirect_uris(self.web_client_id, uris)
            self._add_post_logout_uris(provisioner, uris)

        await self._run(work)

    def _add_post_logout_uris(self, provisioner: KeycloakProvisioner, uris: list[str]) -> None:
        admin = provisioner.admin
        client_uuid = admin.get_client_id(self.web_client_id)
        if client_uuid is None:
            raise ProvisioningError(f"client {self.web_client_id!r} is missing")
        attributes = dict(admin.get_client(client_uuid).get("attributes", {}))
        current = [uri for uri in str(attributes.get(POST_LOGOUT_ATTRIBUTE, "")).split("##") if uri]
        added = [uri for uri in dict.fromkeys(uris) if uri not in current]
        if added:
            admin.update_client(client_uuid, {"attributes": {POST_LOGOUT_ATTRIBUTE: "##".join(current + added)}})

    async def remove_council(self, slug: str) -> bool:
        def work(provisioner: KeycloakProvisioner) -> bool:
            provisioner.delete_client(council_client_id(self.web_client_id, slug))
            return provisioner.delete_organization(slug)

        return await self._run(work)

    async def add_staff(self, slug: str, email: str, role: Role) -> str:
        role = check_member_role(role)

        def work(provisioner: KeycloakProvisioner) -> str:
            if provisioner.find_organization(slug) is None:
                raise UnknownCouncil(f"council {slug!r} has no organization in Keycloak; run `civicshare tenants sync`")
            return provisioner.add_member(slug, email, role.value)

        return await self._run(work)

    async def remove_staff(self, slug: str, email: str) -> bool:
        return await self._run(lambda provisioner: provisioner.remove_member(slug, email))

    async def staff_of(self, slug: str) -> list[StaffMember]:
        def work(provisioner: KeycloakProvisioner) -> list[StaffMember]:
            return [StaffMember(*member) for member in provisioner.members(slug)]

        return await self._run(work)

    async def disable_account(self, email: str) -> str | None:
        def work(provisioner: KeycloakProvisioner) -> str | None:
            user_id = provisioner.find_user_id(email)
            if user_id is not None:
                provisioner.admin.update_user(user_id, {"enabled": False})
                provisioner.admin.user_logout(user_id)  # Keycloak's own sessions and refresh tokens
            return user_id

        return await self._run(work)

    async def delete_account(self, email: str) -> str | None:
        return await self._run(lambda provisioner: provisioner.delete_user(email))

    async def councils_of(self, email: str) -> list[str]:
        return await self._run(lambda provisioner: provisioner.organizations_of(email))


# Client attributes the login theme reads (infra/keycloak/themes/civicshare/login/template.ftl).
BRANDING_ATTRIBUTE_PREFIX = "civicshare.council."


def branding_attributes(council: CouncilOrganization) -> dict[str, str]:
    attributes = {"name": council.name, "colour": council.colour, "text-colour": council.text_colour}
    if council.logo_url:
        attributes |= {"logo": council.logo_url, "logo-alt": council.logo_alt}
    attributes["site"] = council.origins[0] + "/"
    return {BRANDING_ATTRIBUTE_PREFIX + key: value for key, value in attributes.items()}
