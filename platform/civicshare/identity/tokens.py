"""Validating access tokens: RS256 JWTs against the issuer's JWKS, issuer, audience and time claims.

The JWKS is fetched once and cached. A token signed with a key id the cache does not know triggers
one refresh (Keycloak rotates keys), but no more often than ``min_refresh_seconds``: a stream of tokens
with made-up key ids cannot turn into a stream of requests to the identity provider.

Only RS256 is accepted. ``alg: none`` and the HMAC family (HS256...) are refused by name before any
key is looked at, so a public key can never be used as an HMAC secret.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from civicshare.identity.principal import Principal, Via, principal_from_claims

log = logging.getLogger(__name__)

ACCEPTED_ALGORITHMS = ("RS256",)
DEFAULT_LEEWAY_SECONDS = 30
DEFAULT_MIN_REFRESH_SECONDS = 30.0

JwksFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


class InvalidToken(Exception):
    """The token is not one this platform accepts (answered with 401). The message says why, for logs."""


class IdentityUnavailable(Exception):
    """The identity provider cannot be reached, so a token cannot be checked (answered with 503)."""


def http_jwks_fetcher(url: str, timeout: float = 5.0) -> JwksFetcher:
    """Fetch a JWKS document over HTTP (Keycloak's ``.../protocol/openid-connect/certs``)."""

    async def fetch() -> Mapping[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                document: Mapping[str, Any] = response.json()
                return document
        except (httpx.HTTPError, ValueError) as error:
            raise IdentityUnavailable(f"cannot fetch the signing keys from {url}: {error}") from error

    return fetch


class JwksCache:
    """Signing keys by key id, refreshed on an unknown key id at most once per ``min_refresh_seconds``."""

    def __init__(self, fetch: JwksFetcher, *, min_refresh_seconds: float = DEFAULT_MIN_REFRESH_SECONDS) -> None:
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key(self, kid: str) -> PyJWK:
        found = self._keys.get(kid)
        if found is not None:
            return found
        async with self._lock:
            found = self._keys.get(kid)
            if found is None and time.monotonic() - self._fetched_at >= self._min_refresh:
                await self._refresh()
                found = self._keys.get(kid)
        if found is None:
            raise InvalidToken(f"unknown signing key id {kid!r}")
        return found

    async def _refresh(self) -> None:
        document = await self._fetch()
        self.fetches += 1
        keys: dict[str, PyJWK] = {}
        for entry in document.get("keys", []):
            # Keycloak also lists its encryption key (use=enc, RSA-OAEP): signatures only here.
            if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") not in ACCEPTED_ALGORITHMS:
                continue
            if entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            keys[str(entry["kid"])] = PyJWK(dict(entry), algorithm="RS256")
        self._keys = keys
        self._fetched_at = time.monotonic()


class TokenValidator:
    """Turns a bearer token into a ``Principal`` or says why not."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: JwksCache,
        leeway_seconds: int = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.leeway = leeway_seconds

    async def claims(self, token: str, *, audience: str | None = None, typ: str = "Bearer") -> dict[str, Any]:
        """The verified claims. ``audience``/``typ`` differ only for ID tokens (client id, "ID")."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"not a JWT: {error}") from error
        algorithm = str(header.get("alg", ""))
        if algorithm.lower() == "none" or algorithm.upper().startswith("HS"):
            raise InvalidToken(f"algorithm {algorithm!r} is refused")
        if algorithm not in ACCEPTED_ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted (only {', '.join(ACCEPTED_ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no signing key (kid)")
        key = await self.jwks.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ACCEPTED_ALGORITHMS),
                audience=audience or self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        # Keycloak marks access tokens typ=Bearer; ID and refresh tokens must not be used as access tokens.
        if claims.get("typ", typ) != typ:
            raise InvalidToken(f"a {claims.get('typ')} token is not an {typ} token")
        return claims

    async def principal(self, token: str, via: Via = Via.BEARER) -> Principal:
        return principal_from_claims(await self.claims(token), via)
