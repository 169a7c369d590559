"""The `Idempotency-Key` header, declared once for every route that takes it (resident API, Open311).

A key names one request for as long as the council keeps it, so it must say something: an empty (or
blank) key is refused with 400 naming the header, like one longer than 255 characters, rather than
being kept and then shared by every client that sends it empty.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from civicshare.http.problems import Problem

HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255

IdempotencyKey = Annotated[str | None, HeaderParameter(name=HEADER, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)]


def refuse_blank_key(key: str | None) -> None:
    """400 if the header was sent with nothing in it; call before anything is written."""
    if key is not None and not key.strip():
        raise Problem(
            400,
            "Empty Idempotency-Key",
            "Send a key that names this request (a UUID, say), or leave the Idempotency-Key header out.",
            name="idempotency-key-empty",
            extra={"errors": [{"field": HEADER, "message": "Enter a key of 1 to 255 characters"}]},
        )
