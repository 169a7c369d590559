"""The `Idempotency-Key` header, declared once for every route that takes it (resident API, Open311).

A key names one request for as long as the council keeps it, so it must say something: a key of 1 to
255 characters is accepted, and an empty one is refused (400, naming the header) like one too long,
rather than shared by every client that sends it empty.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

IDEMPOTENCY_KEY_MAX_LENGTH = 255

IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
]


def usable_idempotency_key(key: str | None) -> bool:
    """What the header's declaration accepts (for code that reads the header without Litestar)."""
    return key is None or 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH
