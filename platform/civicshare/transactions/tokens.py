"""Signed, stateless tokens that let an anonymous resident act on the transaction they just made.

An upload token lets them attach photos for a short while after submitting; a payment-return token lets
the payment provider send them back to a URL that cannot be forged for someone else's transaction.
Both are HMAC-SHA256 over the council's schema, the reference and the purpose, keyed by the platform's
secret, so any worker can check them without shared state.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from pydantic import SecretStr

UPLOAD_WINDOW_SECONDS = 30 * 60


def _sign(secret: SecretStr, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.digest(secret.get_secret_value().encode(), message, hashlib.sha256).hex()[:32]


def upload_token(secret: SecretStr, schema: str, reference: str, *, now: float | None = None) -> str:
    """`<expiry>.<signature>`: good for UPLOAD_WINDOW_SECONDS after it is made."""
    expires = int((now if now is not None else time.time()) + UPLOAD_WINDOW_SECONDS)
    return f"{expires}.{_sign(secret, 'upload', schema, reference, str(expires))}"


def upload_token_expiry(token: str) -> int | None:
    expires, _, _ = token.partition(".")
    return int(expires) if expires.isdecimal() else None


def check_upload_token(secret: SecretStr, schema: str, reference: str, token: str, *, now: float | None = None) -> bool:
    expires = upload_token_expiry(token)
    if expires is None or expires < (now if now is not None else time.time()):
        return False
    expected = f"{expires}.{_sign(secret, 'upload', schema, reference, str(expires))}"
    return hmac.compare_digest(expected, token)


def payment_return_token(secret: SecretStr, schema: str, reference: str) -> str:
    return _sign(secret, "payment-return", schema, reference)


def check_payment_return_token(secret: SecretStr, schema: str, reference: str, token: str) -> bool:
    return hmac.compare_digest(payment_return_token(secret, schema, reference), token)
