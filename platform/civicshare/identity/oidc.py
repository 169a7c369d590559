"""Browser sign-in with Keycloak: authorization code flow with PKCE (S256), renewal with the refresh
token, and sign-out (RP-initiated logout with ``id_token_hint``).

Endpoints follow from the issuer (``<issuer>/protocol/openid-connect/...``), so nothing is fetched at
start-up: a Keycloak that is down makes sign-in answer 503, not the platform fail to start.

Each council signs residents in through its own public client, ``<web client>-<slug>``
(``council_client_id``): Keycloak's login theme reads the council's name, colours and logo from that
client's attributes, and the realm's single sign-on session spans every client, so a resident signed in at
one council is signed in at the next without a password.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from civicshare.identity.tokens import IdentityUnavailable, InvalidToken

SIGN_IN_SCOPE = "openid organization:*"
AVAILABILITY_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class SignInStart:
    state: str
    nonce: str
    code_verifier: str

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @classmethod
    def new(cls) -> SignInStart:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))


def council_client_id(web_client_id: str, slug: str) -> str:
    """The council's own sign-in client (created at onboarding by the identity directory)."""
    return f"{web_client_id}-{slug}"


class RenewalRefused(Exception):
    """The identity provider refused the refresh token: its session ended (signed out, timed out, disabled)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str | None
    refresh_token: str | None = None
    expires_in: int = 300


class KeycloakSignIn:
    def __init__(self, issuer: str, client_id: str, *, timeout: float = 5.0) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.timeout = timeout
        self._available_until = 0.0

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    def authorization_url(self, start: SignInStart, redirect_uri: str, client_id: str | None = None) -> str:
        query = {
            "client_id": client_id or self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": SIGN_IN_SCOPE,
            "state": start.state,
            "nonce": start.nonce,
            "code_challenge": start.code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.endpoint('auth')}?{urlencode(query)}"

    def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str, client_id: str | None = None) -> str:
        query = {"client_id": client_id or self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{self.endpoint('logout')}?{urlencode(query)}"

    async def check_available(self) -> None:
        """Raise IdentityUnavailable unless Keycloak answered recently (cached for a few seconds)."""
        if time.monotonic() < self._available_until:
            return
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
        except httpx.HTTPError as error:
            raise IdentityUnavailable(f"Keycloak at {self.issuer} cannot be reached: {error}") from error
        self._available_until = time.monotonic() + AVAILABILITY_CACHE_SECONDS

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str, client_id: str | None = None
    ) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "client_id": client_id or self.client_id,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        response = await self._token_request(form)
        if response.status_code != 200:
            raise InvalidToken(f"Keycloak refused the authorization code: {response.text[:200]}")
        return _tokens(response.json())

    async def refresh(self, refresh_token: str, client_id: str) -> Tokens:
        """New tokens for a live session. Raises RenewalRefused when Keycloak's session has ended."""
        form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
        response = await self._token_request(form)
        if response.status_code in (400, 401):
            raise RenewalRefused(f"Keycloak refused the refresh token: {response.text[:200]}")
        if response.status_code != 200:
            raise IdentityUnavailable(f"Keycloak answered {response.status_code} to a refresh")
        return _tokens(response.json())

    async def _token_request(self, form: dict[str, str]) -> httpx.Response:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                return await client.post(self.endpoint("token"), data=form)
        except httpx.HTTPError as error:
            raise IdentityUnavailable(f"Keycloak at {self.issuer} cannot be reached: {error}") from error


def _tokens(body: dict[str, object]) -> Tokens:
    id_token = body.get("id_token")
    refresh_token = body.get("refresh_token")
    expires_in = body.get("expires_in")
    return Tokens(
        access_token=str(body["access_token"]),
        id_token=str(id_token) if id_token else None,
        refresh_token=str(refresh_token) if refresh_token else None,
        expires_in=int(expires_in) if isinstance(expires_in, int) else 300,
    )
