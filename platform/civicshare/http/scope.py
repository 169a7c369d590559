"""Reading an ASGI scope directly, where building the framework's request objects would cost more."""

from __future__ import annotations

from typing import Any


def scope_header(scope: Any, name: bytes) -> str | None:
    """The first value of header `name` (lower case, as ASGI gives names), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def root_path(scope: Any) -> str:
    """The path prefix the council was addressed by (`/t/<council>`, or a proxy's), never ending in "/":
    every link the platform gives out starts with it."""
    return str(scope.get("root_path") or "").rstrip("/")
