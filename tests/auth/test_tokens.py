"""The token validator on its own: what it accepts and every way a forged token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from civicshare.identity.principal import Role
from civicshare.identity.tokens import IdentityUnavailable, InvalidToken, JwksCache, TokenValidator

ISSUER = "https://id.example/realms/civicshare"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_of(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


class Keys:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    async def __call__(self) -> Mapping[str, Any]:
        self.fetches += 1
        return self.document


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": ["civicshare", "account"],
        "sub": "person-1",
        "typ": "Bearer",
        "iat": now,
        "exp": now + 300,
        "email": "Rosa@Example.org",
        "realm_access": {"roles": ["resident", "council-staff", "offline_access"]},
        "organization": {"kingston": {"id": "org-k"}, "newham": {"id": "org-n"}},
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def signed(key: rsa.RSAPrivateKey = KEY, kid: str = "k1", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="RS256", headers={"kid": kid})


def validator(keys: Keys | None = None, leeway: int = 30, min_refresh: float = 60) -> TokenValidator:
    cache = JwksCache(keys or Keys(jwks_of(KEY, "k1")), min_refresh_seconds=min_refresh)
    return TokenValidator(issuer=ISSUER, audience="civicshare", jwks=cache, leeway_seconds=leeway)


def unsigned(header: dict[str, Any], body: dict[str, Any], signature: bytes = b"") -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join([part(json.dumps(header).encode()), part(json.dumps(body).encode()), part(signature)])


async def test_a_good_token_becomes_a_principal_with_roles_and_councils() -> None:
    principal = await validator().principal(signed())
    assert principal.subject == "person-1"
    assert principal.email == "rosa@example.org"
    assert principal.roles == {Role.RESIDENT, Role.COUNCIL_STAFF}
    assert dict(principal.councils) == {"kingston": "org-k", "newham": "org-n"}
    assert principal.actor.councils == {"kingston", "newham"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (signed(exp=int(time.time()) - 120), "expired"),
        (signed(nbf=int(time.time()) + 600), "not yet valid"),
        (signed(iss="https://id.example/realms/other"), "issuer"),
        (signed(aud="account"), "(?i)audience"),
        (signed(typ="ID"), "not an Bearer token"),
        (signed(sub=None), "sub"),
        (signed(key=OTHER_KEY), "Signature verification failed"),
        (signed(kid="made-up"), "unknown signing key"),
        (unsigned({"alg": "none", "typ": "JWT", "kid": "k1"}, claims()), "'none' is refused"),
        ("not-a-token", "not a JWT"),
    ],
)
async def test_bad_tokens_are_refused(token: str, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        await validator().claims(token)


async def test_an_hmac_token_keyed_with_the_public_key_is_refused() -> None:
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    unsigned_part = unsigned(header, claims()).rsplit(".", 1)[0]
    mac = hmac.new(public_pem, unsigned_part.encode(), hashlib.sha256).digest()
    forged = unsigned_part + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="'HS256' is refused"):
        await validator().claims(forged)


async def test_small_clock_skew_is_allowed() -> None:
    await validator(leeway=30).claims(signed(exp=int(time.time()) - 10))
    await validator(leeway=30).claims(signed(nbf=int(time.time()) + 10))


async def test_keys_are_fetched_once_and_refreshed_on_a_new_key_id_at_a_bounded_rate() -> None:
    keys = Keys(jwks_of(KEY, "k1"))
    checker = validator(keys, min_refresh=0)
    for _ in range(5):
        await checker.claims(signed())
    assert keys.fetches == 1

    keys.document = jwks_of(OTHER_KEY, "k2")  # the provider rotated its key
    await checker.claims(signed(key=OTHER_KEY, kid="k2"))
    assert keys.fetches == 2

    bounded = validator(Keys(jwks_of(KEY, "k1")), min_refresh=60)
    await bounded.claims(signed())
    for _ in range(20):
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await bounded.claims(signed(kid=f"made-up-{_}"))
    assert bounded.jwks.fetches == 1


async def test_an_unreachable_provider_is_unavailable_not_invalid() -> None:
    async def down() -> Mapping[str, Any]:
        raise IdentityUnavailable("connection refused")

    checker = TokenValidator(issuer=ISSUER, audience="civicshare", jwks=JwksCache(down))
    with pytest.raises(IdentityUnavailable):
        await checker.claims(signed())
