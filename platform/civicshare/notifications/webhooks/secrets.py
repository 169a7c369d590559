"""Endpoint signing secrets: made in the Standard Webhooks form (`whsec_` + base64 of 24 random bytes),
shown to the council once, and kept sealed.

A signing secret must be usable to sign, so it cannot be hashed like an API key. It is kept encrypted
(AES-256-GCM, with a key derived from the platform's CIVICSHARE_SECRET_KEY by HKDF) rather than in the
clear: a database dump, a replica or a council's export archive then holds no usable secret. The endpoint
id is bound in as associated data, so a sealed secret copied onto another endpoint does not open.
Changing CIVICSHARE_SECRET_KEY makes every sealed secret unusable: the councils rotate their secrets.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "whsec_"
SECRET_BYTES = 24
_NONCE_BYTES = 12
_SEALED_VERSION = "v1"


def new_signing_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class SecretUnreadable(Exception):
    """A sealed secret that the platform's key does not open (the key changed, or the row was altered)."""


class SecretBox:
    """Seals and opens endpoint secrets with a key derived from the platform's secret key."""

    def __init__(self, platform_secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"civicshare webhook endpoint secrets").derive(
            platform_secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, secret: str, endpoint_id: int) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), _bound_to(endpoint_id))
        return f"{_SEALED_VERSION}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, endpoint_id: int) -> str:
        version, _, data = sealed.partition(":")
        if version != _SEALED_VERSION:
            raise SecretUnreadable(f"unknown sealing {version!r}")
        raw = base64.b64decode(data)
        try:
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _bound_to(endpoint_id)).decode()
        except InvalidTag:
            raise SecretUnreadable("the platform's secret key does not open this endpoint's secret") from None


def _bound_to(endpoint_id: int) -> bytes:
    return f"webhook-endpoint:{endpoint_id}".encode()
