"""RFC 9457 problem details: every error an API client sees has this shape."""

from __future__ import annotations

import json
from typing import Any

PROBLEM_JSON = "application/problem+json"


def problem_type(name: str) -> str:
    return f"urn:civicshare:problem:{name}"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        name: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = problem_type(name) if name else "about:blank"
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body

    def encoded(self, instance: str | None = None) -> bytes:
        return json.dumps(self.body(instance)).encode()
