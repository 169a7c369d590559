"""Authenticating operators on every admin request, and the `operator` dependency handlers receive.

A guard on the admin router finds the bearer token (`Authorization: Bearer cs_live_...`, or the
`X-API-Key` header), turns it into an `Operator` — API keys here; other bearer tokens are offered to
`PlatformServices.operator_verifiers` (Keycloak JWTs, later) — and refuses a read-only operator
anything but GET/HEAD. Handlers marked `opt={"public": True}` (the API's own documentation) skip it.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from civicshare.admin.errors import read_only, unauthenticated
from civicshare.admin.keys import looks_like_key, verify_key
from civicshare.admin.principal import Operator
from civicshare.services import PlatformServices

OPERATOR_SCOPE_KEY = "civicshare.operator"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    key = connection.headers.get("x-api-key")
    return key.strip() if key else None


async def authenticate(services: PlatformServices, token: str) -> Operator | None:
    if looks_like_key(token):
        return await verify_key(services.database.engine, token)
    for verifier in services.operator_verifiers:
        if (operator := await verifier(token)) is not None:
            return operator
    return None


async def operator_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    token = presented_token(connection)
    if token is None:
        raise unauthenticated("Send an operator API key: `Authorization: Bearer cs_live_...`.")
    services: PlatformServices = connection.app.state.services
    operator = await authenticate(services, token)
    if operator is None:
        raise unauthenticated("The operator key is not valid: unknown, revoked or expired.")
    if connection.scope.get("method") not in READ_METHODS and not operator.can_write:
        raise read_only()
    connection.scope[OPERATOR_SCOPE_KEY] = operator  # type: ignore[literal-required]


def provide_operator(request: ASGIConnection[Any, Any, Any, Any]) -> Operator:
    operator: Operator = request.scope[OPERATOR_SCOPE_KEY]  # type: ignore[literal-required]
    return operator
