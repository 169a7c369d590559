"""Every route declares what it needs; one guard on the app (`civicshare.api.access`) enforces it.

Declare on the handler itself::

    @get("/requests", opt=requires(Permission.VIEW_REQUESTS))                        # a person (JWT or session)
    @get("/councils", opt=requires(Permission.VIEW_PLATFORM, by=Credential.OPERATOR))  # admin API key or operator JWT
    @get("/requests", opt=requires(Permission.VIEW_REQUESTS, by=Credential.SYSTEM_KEY))
    @get("/track", opt=PUBLIC)

A route that declares nothing is refused to everyone (403), and `tests/auth/test_route_permissions.py` fails.
How each kind of credential is authenticated is the interfaces' business: the app factory registers one
`Authenticator` per `Credential` in the app's state under `AUTHENTICATORS_KEY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from civicshare.policy.actor import Actor
from civicshare.policy.decisions import Refusal
from civicshare.policy.permissions import Permission

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


class Authenticator(Protocol):
    async def actor(self, connection: AnyConnection, handler: BaseRouteHandler, access: Access) -> Actor | None:
        """Who sent this request (None: nobody signed in). Refuses a bad credential itself (401)."""
        ...

    async def refused(self, connection: AnyConnection, actor: Actor, refusal: Refusal) -> Exception:
        """What to answer `actor` when the policy refuses them (and anything to record first)."""
        ...


def admitted(connection: AnyConnection) -> Actor:
    """The actor the app's guard let in. Only routes that are not public have one (the route-permission
    test checks that no public route asks for it)."""
    actor: Actor | None = connection.scope.get(ACTOR_SCOPE_KEY)  # type: ignore[assignment]
    if actor is None:
        raise RuntimeError(f"{connection.scope['path']} is public, so nobody was admitted to it")
    return actor
