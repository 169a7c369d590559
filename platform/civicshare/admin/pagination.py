"""Cursor pagination for every admin list: an opaque cursor and a bounded `limit`.

The cursor is the sort key of the last item served, base64url-encoded JSON tagged with the list it
belongs to; clients pass it back unchanged. A cursor from another list, or garbage, is a 422.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from litestar.params import QueryParameter

from civicshare.admin.errors import invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}", required=False)
]
Cursor = Annotated[
    str | None, QueryParameter(description="`next_cursor` of the previous page, passed back unchanged", required=False)
]


def encode_cursor(kind: str, key: Any) -> str:
    raw = json.dumps({"k": kind, "v": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> Any:
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind or "v" not in data:
        raise invalid([("cursor", "is not a cursor of this list; pass back next_cursor unchanged")])
    return data["v"]


def next_cursor(kind: str, rows: list[Any], limit: int, key: Any) -> str | None:
    """Given limit + 1 rows fetched, the cursor of the next page (or None) — callers then drop the extra row."""
    if len(rows) <= limit:
        return None
    return encode_cursor(kind, key(rows[limit - 1]))
