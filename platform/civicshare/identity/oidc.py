"""Browser sign-in with Keycloak: authorization code flow with PKCE (S256), and sign-out.

Endpoints follow from the issuer (``<issuer>/protocol/openid-connect/...``), so nothing is fetched at
start-up: a Keycloak that is down makes sign-in answer 503, not the platform fail to start.
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


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str | None


class KeycloakSignIn:
    def __init__(self, issuer: str, client_id: str, *, timeout: float = 5.0) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.timeout = timeout
        self._available_until = 0.0

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    def authorization_url(self, start: SignInStart, redirect_uri: str) -> str:
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": SIGN_IN_SCOPE,
            "state": start.state,
            "nonce": start.nonce,
            "code_challenge": start.code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.endpoint('auth')}?{urlencode(query)}"

    def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str:
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
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

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.endpoint("token"), data=form)
        except httpx.HTTPError as error:
            raise IdentityUnavailable(f"Keycloak at {self.issuer} cannot be reached: {error}") from error
        if response.status_code != 200:
            raise InvalidToken(f"Keycloak refused the authorization code: {response.text[:200]}")
        body = response.json()
        return Tokens(access_token=str(body["access_token"]), id_token=body.get("id_token"))
