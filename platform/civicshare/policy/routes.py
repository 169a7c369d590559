"""Every route declares what it needs; one guard on the app enforces it.

Declare on the handler itself::

    @get("/requests", opt=requires(Permission.VIEW_REQUESTS))                        # a person (JWT or session)
    @get("/councils", opt=requires(Permission.VIEW_PLATFORM, by=Credential.OPERATOR))  # admin API key or operator JWT
    @get("/requests", opt=requires(Permission.VIEW_REQUESTS, by=Credential.SYSTEM_KEY))
    @get("/track", opt=PUBLIC)

A route that declares nothing is refused to everyone (403), and `tests/test_route_permissions.py` fails.
How each kind of credential is authenticated is the interfaces' business: the app factory registers one
`Authenticator` per `Credential` in the app's state under `AUTHENTICATORS_KEY`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from civicshare.api.problems import Problem
from civicshare.policy.actor import Actor
from civicshare.policy.decisions import Refusal, decide
from civicshare.policy.permissions import COUNCIL_PERMISSIONS, Permission
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

log = logging.getLogger("civicshare.identity.refused")

OPT_KEY = "access"
AUTHENTICATORS_KEY = "authenticators"
ACTOR_SCOPE_KEY = "civicshare.actor"
AnyConnection = ASGIConnection[Any, Any, Any, Any]


class Credential(StrEnum):
    PERSON = "person"  # a bearer JWT or a browser session
    OPERATOR = "operator"  # an admin API key, or the JWT of a platform operator, on the admin API
    SYSTEM_KEY = "system-key"  # one of a council's system keys


@dataclass(frozen=True)
class Access:
    permission: Permission
    credential: Credential = Credential.PERSON

    def __str__(self) -> str:
        if self.permission is Permission.PUBLIC:
            return "public"
        return f"{self.permission} by {self.credential}"


def requires(permission: Permission, *, by: Credential = Credential.PERSON) -> dict[str, Any]:
    """The `opt` of a handler that needs `permission`, proven by a credential of kind `by`."""
    return {OPT_KEY: Access(permission, by)}


PUBLIC = requires(Permission.PUBLIC)

FRAMEWORK_PUBLIC = Access(Permission.PUBLIC)  # the framework's own OPTIONS answers and OpenAPI pages


def access_of(handler: BaseRouteHandler) -> Access | None:
    declared = handler.opt.get(OPT_KEY)
    if isinstance(declared, Access):
        return declared
    if handler.fn.__module__.startswith("litestar."):
        return FRAMEWORK_PUBLIC
    return None


class SignInRequired(Problem):
    """A person must sign in first (401); the back office turns it into a redirect to sign in."""

    def __init__(self) -> None:
        super().__init__(
            401, "Sign in required", "Sign in to use this service.", name="unauthorised",
            headers={"www-authenticate": 'Bearer realm="civicshare"'},
        )  # fmt: skip


class Authenticator(Protocol):
    async def actor(self, connection: AnyConnection, handler: BaseRouteHandler, access: Access) -> Actor | None:
        """Who sent this request (None: nobody signed in). Refuses a bad credential itself (401)."""
        ...

    async def refused(self, connection: AnyConnection, actor: Actor, refusal: Refusal) -> Exception:
        """What to answer `actor` when the policy refuses them (and anything to record first)."""
        ...


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
    """The app's guard: the declared permission, checked against whoever sent the request, here."""
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


def admitted(connection: AnyConnection) -> Actor:
    """The actor `enforce_access` let in (for a route that is not public)."""
    actor: Actor | None = connection.scope.get(ACTOR_SCOPE_KEY)  # type: ignore[assignment]
    if actor is None:
        raise undeclared()
    return actor


def forbidden(refusal: Refusal) -> Problem:
    return Problem(403, "Forbidden", refusal.detail, name=refusal.name)
