"""The app's one guard: each route's declared permission (`civicshare.policy`), checked against whoever
sent the request, at the council it addresses. Registered once by the app factory, for every route."""

from __future__ import annotations

import logging

from litestar.handlers.base import BaseRouteHandler

from civicshare.http.problems import Problem
from civicshare.policy import (
    ACTOR_SCOPE_KEY,
    AUTHENTICATORS_KEY,
    COUNCIL_PERMISSIONS,
    Authenticator,
    Permission,
    access_of,
    decide,
)
from civicshare.policy.declarations import AnyConnection
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

log = logging.getLogger("civicshare.identity.refused")


class SignInRequired(Problem):
    """A person must sign in first (401); the back office turns it into a redirect to sign in."""

    def __init__(self) -> None:
        super().__init__(
            401, "Sign in required", "Sign in to use this service.", name="unauthorised",
            headers={"www-authenticate": 'Bearer realm="civicshare"'},
        )  # fmt: skip


def council_not_given() -> Problem:
    return Problem(
        404,
        "Council not given",
        "Address a council: use its own address (kingston.localhost), the /t/<council>/ prefix, "
        "or the X-Tenant header.",
        name="council-not-given",
    )


def undeclared() -> Problem:
    return Problem(403, "Forbidden", "This address declares no permission, so nobody may use it.", name="forbidden")


async def enforce_access(connection: AnyConnection, handler: BaseRouteHandler) -> None:
    access = access_of(handler)
    if access is None:
        log.error("refused %s: the route %s declares no permission", connection.scope["path"], handler.handler_name)
        raise undeclared()
    if access.permission is Permission.PUBLIC:
        return
    authenticator: Authenticator = connection.app.state[AUTHENTICATORS_KEY][access.credential]
    actor = await authenticator.actor(connection, handler, access)
    if actor is None:
        raise SignInRequired()
    council: TenantContext | None = connection.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    if council is None and access.permission in COUNCIL_PERMISSIONS:
        raise council_not_given()
    refusal = decide(actor, access.permission, council)
    if refusal is not None:
        where = council.slug if council else "the platform"
        log.warning("refused %s %s at %s: %s", actor.name, access.permission, where, refusal.detail)
        raise await authenticator.refused(connection, actor, refusal)
    connection.scope[ACTOR_SCOPE_KEY] = actor  # type: ignore[literal-required]
