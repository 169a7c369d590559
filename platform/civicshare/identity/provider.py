"""The identity provider this deployment uses, chosen in one place by `settings.identity_provider`."""

from __future__ import annotations

from dataclasses import dataclass

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import IdentityDirectory, IdentityLifecycleHook
from civicshare.identity.keycloak_directory import KeycloakDirectory
from civicshare.identity.oidc import KeycloakSignIn
from civicshare.identity.tokens import JwksCache, TokenValidator, http_jwks_fetcher
from civicshare.settings import IdentityProvider, Mode, Settings

DEV_IDENTITY_PATH = "/dev-identity"


class IdentityNotConfigured(Exception):
    pass


@dataclass
class Identity:
    provider: IdentityProvider
    validator: TokenValidator
    directory: IdentityDirectory
    keycloak: KeycloakSignIn | None = None
    dev: DevIdentity | None = None

    def lifecycle_hook(self, settings: Settings) -> IdentityLifecycleHook:
        return IdentityLifecycleHook(self.directory, settings)


def dev_issuer(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.port}{DEV_IDENTITY_PATH}"


def keycloak_location(settings: Settings) -> tuple[str, str | None]:
    """Keycloak's URL and the provisioner's secret: from settings, else (in development) from the server
    `civicshare keycloak up` recorded."""
    secret = settings.keycloak_provisioner_secret.get_secret_value() if settings.keycloak_provisioner_secret else None
    if settings.keycloak_url:
        return settings.keycloak_url.rstrip("/"), secret
    if settings.mode is not Mode.PRODUCTION:
        from civicshare.identity.keycloak_server import KeycloakServer

        running = KeycloakServer().status()
        if running is not None:
            return running.base_url, secret or running.provisioner_secret
    raise IdentityNotConfigured(
        "CIVICSHARE_IDENTITY_PROVIDER=keycloak needs CIVICSHARE_KEYCLOAK_URL (or `civicshare keycloak up`)"
    )


def build_identity(settings: Settings) -> Identity:
    jwks_refresh = settings.jwks_min_refresh_seconds
    if settings.identity_provider is IdentityProvider.DEV:
        if settings.mode is Mode.PRODUCTION:
            raise IdentityNotConfigured("the dev identity never runs in production mode")
        dev = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
        validator = TokenValidator(
            issuer=dev.issuer,
            audience=settings.keycloak_audience,
            jwks=JwksCache(dev.fetch_jwks, min_refresh_seconds=jwks_refresh),
            leeway_seconds=settings.token_leeway_seconds,
        )
        return Identity(IdentityProvider.DEV, validator, dev, dev=dev)
    base_url, secret = keycloak_location(settings)
    issuer = f"{base_url}/realms/{settings.keycloak_realm}"
    validator = TokenValidator(
        issuer=issuer,
        audience=settings.keycloak_audience,
        jwks=JwksCache(http_jwks_fetcher(f"{issuer}/protocol/openid-connect/certs"), min_refresh_seconds=jwks_refresh),
        leeway_seconds=settings.token_leeway_seconds,
    )
    directory = KeycloakDirectory(
        base_url,
        settings.keycloak_realm,
        settings.keycloak_provisioner_client_id,
        secret or "",
        settings.keycloak_web_client_id,
    )
    sign_in = KeycloakSignIn(issuer, settings.keycloak_web_client_id)
    return Identity(IdentityProvider.KEYCLOAK, validator, directory, keycloak=sign_in)
