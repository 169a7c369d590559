"""Reading an ASGI scope directly, where building the framework's request objects would cost more."""

from __future__ import annotations

from typing import Any


def scope_header(scope: Any, name: bytes) -> str | None:
    """The first value of header `name` (lower case, as ASGI gives names), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None
