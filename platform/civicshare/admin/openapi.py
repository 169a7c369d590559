"""The admin API's own OpenAPI 3.1 document and its interactive reference, at /admin/v1/schema.

The app keeps one OpenAPI description of everything (/api/schema); the admin document is cut from it:
the /admin/v1 paths, only the component schemas they reach, and the operator key as security scheme.
Operators get a document about their API alone, and residents' clients never see admin paths.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, MediaType, Request, get
from litestar.openapi.plugins import ScalarRenderPlugin

from civicshare import __version__
from civicshare.api.openapi import with_error_responses
from civicshare.policy import PUBLIC

ADMIN_PREFIX = "/admin/v1"
SCHEMA_PATH = f"{ADMIN_PREFIX}/schema"
JSON_PATH = f"{SCHEMA_PATH}/openapi.json"
_STATE_KEY = "admin_openapi"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def _reachable(schemas: dict[str, Any], start: set[str]) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    wanted = {ref.removeprefix(prefix) for ref in start if ref.startswith(prefix)}
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        wanted |= {ref.removeprefix(prefix) for ref in _refs(schemas.get(name, {})) if ref.startswith(prefix)}
    return {name: schemas[name] for name in sorted(seen) if name in schemas}


# What the generic error descriptions mean on the admin API.
_ADMIN_ERRORS = {
    "401": "no operator key, or one that is unknown, revoked or expired",
    "403": "a read-only key asked for a change, or whoever signed in is not an operator",
    "404": "no such council, group, key, export or event",
    "409": "a conflict: a slug, domain, GSS code or prefix in use, or a council in the wrong state",
    "422": "not valid: see `errors`",
}


def _admin_descriptions(paths: dict[str, Any]) -> None:
    for operations in paths.values():
        for operation in operations.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for status, description in _ADMIN_ERRORS.items():
                if status in responses:
                    responses[status]["description"] = description


def build_admin_document(app: Litestar) -> dict[str, Any]:
    full = with_error_responses(app.openapi_schema.to_schema())
    paths = {
        path: operations
        for path, operations in full.get("paths", {}).items()
        if path.startswith(ADMIN_PREFIX + "/") and not path.startswith(SCHEMA_PATH)
    }
    _admin_descriptions(paths)
    schemas = full["components"]["schemas"]
    return {
        "openapi": full["openapi"],
        "info": {
            "title": "civicshare admin API",
            "version": __version__,
            "description": (
                "Operators' API: onboard, configure, suspend and offboard councils; operator keys; the audit "
                "log; usage. Authenticate with `Authorization: Bearer cs_live_...`. Errors are RFC 9457 "
                "problem+json; lists take `limit` and an opaque `cursor` and return `next_cursor`."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": _reachable(schemas, _refs(paths)),
            "securitySchemes": {
                "OperatorKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "cs_live_ operator API key",
                    "description": "an operator API key (`civicshare admin create-key` makes the first one)",
                }
            },
        },
        "security": [{"OperatorKey": []}],
    }


def admin_document(app: Litestar) -> dict[str, Any]:
    document: dict[str, Any] | None = app.state.get(_STATE_KEY)
    if document is None:
        document = build_admin_document(app)
        app.state[_STATE_KEY] = document
    return document


class _AdminScalar(ScalarRenderPlugin):
    @staticmethod
    def get_openapi_json_route(request: Request[Any, Any, Any]) -> str:
        return JSON_PATH


_scalar = _AdminScalar(path=SCHEMA_PATH)


@get("/schema", media_type=MediaType.HTML, include_in_schema=False, opt=PUBLIC)
async def admin_schema_page(request: Request[Any, Any, Any]) -> bytes:
    """The interactive reference (Scalar) of the admin API."""
    return _scalar.render(request, admin_document(request.app))


@get("/schema/openapi.json", media_type="application/vnd.oai.openapi+json", include_in_schema=False, opt=PUBLIC)
async def admin_schema_json(request: Request[Any, Any, Any]) -> bytes:
    """The admin API's OpenAPI 3.1 document."""
    return _scalar.render_json(request, admin_document(request.app))
