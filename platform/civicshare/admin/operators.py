"""Authenticating operators on the admin API (`Credential.OPERATOR`), and the `operator` dependency.

The app's guard asks `OperatorAuthenticator` who sent a request: the bearer token
(`Authorization: Bearer cs_live_...`, or the `X-API-Key` header) is an admin API key, or else is offered
to `PlatformServices.operator_verifiers` (an operator's JWT). What the operator may do then is the
policy's decision (`civicshare.policy`): each admin route declares VIEW_PLATFORM or OPERATE_PLATFORM,
and a read-only key holds only the first.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from civicshare.admin.errors import unauthenticated
from civicshare.admin.keys import looks_like_key, verify_key
from civicshare.http.problems import Problem
from civicshare.policy import Access, Actor, Credential, Permission, Refusal, admitted, requires
from civicshare.policy.operators import Operator
from civicshare.services import PlatformServices

AnyConnection = ASGIConnection[Any, Any, Any, Any]

# What each admin route declares: reading (any operator key), or changing (a full-scope key, an operator).
READS = requires(Permission.VIEW_PLATFORM, by=Credential.OPERATOR)
CHANGES = requires(Permission.OPERATE_PLATFORM, by=Credential.OPERATOR)


def presented_token(connection: AnyConnection) -> str | None:
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    key = connection.headers.get("x-api-key")
    return key.strip() if key else None


async def authenticate(services: PlatformServices, token: str) -> Operator | None:
    if looks_like_key(token):
        # A lookup beside the connection the request will hold (as a sign-in session's is): from the
        # lookups pool, so an operator's call does not queue twice for the request pool under load.
        return await verify_key(services.database.lookups, token)
    for verifier in services.operator_verifiers:
        if (operator := await verifier(token)) is not None:
            return operator
    return None


class OperatorAuthenticator:
    async def actor(self, connection: AnyConnection, handler: BaseRouteHandler, access: Access) -> Actor:
        token = presented_token(connection)
        if token is None:
            raise unauthenticated("Send an operator API key: `Authorization: Bearer cs_live_...`.")
        services: PlatformServices = connection.app.state.services
        operator = await authenticate(services, token)
        if operator is None:
            raise unauthenticated("The operator key is not valid: unknown, revoked or expired.")
        return operator.actor

    async def refused(self, connection: AnyConnection, actor: Actor, refusal: Refusal) -> Exception:
        return Problem(403, "Forbidden", refusal.detail, name=refusal.name)


def provide_operator(request: AnyConnection) -> Operator:
    operator = admitted(request).credential
    assert isinstance(operator, Operator), "admin routes are declared with by=Credential.OPERATOR"
    return operator
