"""The platform's OpenAPI document: what Litestar generates from the routes, plus the errors every operation gives.

Litestar documents each operation's answer and a generic 400 of its own shape. The errors come from
mechanisms every operation shares instead (council resolution, guards, body limits, the exception
handlers), so they are documented here once, for every operation: RFC 9457 problem+json on the APIs,
and another format where an interface answers in its own (Open311's GeoReport error list).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, ScalarRenderPlugin

from civicshare.http.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "with 422: each field that is not valid",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

ERROR_STATUSES = {
    "400": "the request cannot be read: a malformed parameter, header or body, or a council addressed two ways",
    "401": "signing in is needed, or the token or key sent is not valid",
    "403": "signed in, but not allowed to do this",
    "404": "no such council here, or nothing by that name",
    "405": "this method is not offered at this address",
    "409": "the change conflicts with the current state",
    "413": "the body is larger than this operation accepts",
    "415": "the body is not of a media type this operation reads",
    "422": "read, but not valid: `errors` lists each field that is not",
    "429": "too many requests: try again after `Retry-After`",
    "503": "the council is suspended or offboarding, or a service it relies on is unavailable: try again later",
}
_READS = frozenset({"get", "head", "options"})


@dataclass(frozen=True)
class ErrorFormat:
    """How an interface answers errors: component schemas by name, and the schema each media type carries."""

    schemas: Mapping[str, Any]
    content: Mapping[str, str] = field(default_factory=dict)
    # Every media type a successful answer may also come in (Open311: XML beside JSON), by the path.
    success_media_types: tuple[str, ...] = ()

    def responses(self, description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {
                media_type: {"schema": {"$ref": f"#/components/schemas/{name}"}}
                for media_type, name in self.content.items()
            },
        }


PROBLEM_DETAILS = ErrorFormat({"Problem": PROBLEM_SCHEMA}, {PROBLEM_JSON: "Problem"})


def _type_headers(responses: dict[str, Any]) -> None:
    """Documentation-only response headers (`Location`, `Retry-After`) come without the schema OpenAPI
    requires: they are strings."""
    for response in responses.values():
        for header in response.get("headers", {}).values():
            if "schema" not in header and "content" not in header:
                header["schema"] = {"type": "string"}


def _also_in(responses: dict[str, Any], media_types: tuple[str, ...]) -> None:
    """Successful answers documented in every one of `media_types`, with the schema of the first given."""
    for status, response in responses.items():
        content = response.get("content") if status.startswith("2") else None
        if media_types and content:
            first = next(iter(content.values()))
            response["content"] = {media_type: content.get(media_type, first) for media_type in media_types}


def with_error_responses(
    document: Mapping[str, Any], formats: Mapping[str, ErrorFormat] | None = None
) -> dict[str, Any]:
    """A copy of `document` where every operation lists the errors it can answer, in its interface's format.

    `formats` maps a path prefix to the error format of the interface served there; other paths answer
    problem+json. Litestar's own 400 (a shape the platform never sends) is replaced.
    """
    formats = formats or {}
    documented = copy.deepcopy(dict(document))
    schemas = documented.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in documented.get("paths", {}).items():
        errors = next((found for prefix, found in formats.items() if path.startswith(prefix)), PROBLEM_DETAILS)
        schemas.update(errors.schemas)
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("400", None)
            _also_in(responses, errors.success_media_types)
            _type_headers(responses)
            for status, description in ERROR_STATUSES.items():
                if status == "409" and method in _READS:
                    continue
                response = responses.setdefault(status, errors.responses(description))
                # An operation that documents a status with its own body may still answer it as a problem.
                for media_type, content in errors.responses(description)["content"].items():
                    response.setdefault("content", {}).setdefault(media_type, content)
    return documented


class _WithErrors:
    """The generated document with its error responses, worked out once per app."""

    def __init__(self, formats: Mapping[str, ErrorFormat]) -> None:
        self.formats = formats
        self.document: dict[str, Any] | None = None

    def of(self, generated: dict[str, Any]) -> dict[str, Any]:
        if self.document is None:
            self.document = with_error_responses(generated, self.formats)
        return self.document


class _DocumentedJson(JsonRenderPlugin):
    def __init__(self, documented: _WithErrors) -> None:
        super().__init__()
        self.documented = documented

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.documented.of(openapi_schema))


class _DocumentedScalar(ScalarRenderPlugin):
    def __init__(self, documented: _WithErrors) -> None:
        super().__init__(path="/")
        self.documented = documented

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.documented.of(openapi_schema))


def documented_render_plugins(formats: Mapping[str, ErrorFormat]) -> list[OpenAPIRenderPlugin]:
    """The interactive reference (`/`) and `/openapi.json`, both with the error responses documented."""
    documented = _WithErrors(formats)
    return [_DocumentedScalar(documented), _DocumentedJson(documented)]
