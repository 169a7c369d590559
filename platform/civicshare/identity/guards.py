"""Who may do what: the principal of a request and the guards built on it, as Litestar dependencies.

Register them once (the app factory does) and ask for them by name in a handler:

- ``principal: NamedDependency[Principal | None]``: whoever signed the request in (bearer JWT or browser
  session), None when anonymous. A bad bearer token or a tampered session cookie is refused (401),
  never treated as anonymous. A bearer value that is not a JWT is left alone (None), for API keys.
- ``resident_principal: NamedDependency[Principal | None]``: the signed-in person acting as a resident
  (the one account works at every council), None when anonymous.
- ``signed_in: NamedDependency[Principal]``: 401 when anonymous.
- ``staff: NamedDependency[Principal]``: council staff (or admin) of the request's council; 401/403.
- ``council_admin: NamedDependency[Principal]``: council-admin of the request's council; 401/403.
- ``operator: NamedDependency[Principal]``: platform-operator (JWT); 401/403.

Every refusal is logged with the reason; the answer tells the client no more than it needs.
"""

from __future__ import annotations

import logging

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from civicshare.http.problems import Problem
from civicshare.http.scope import scope_header
from civicshare.identity.principal import Principal
from civicshare.identity.provider import Identity
from civicshare.identity.sessions import SESSION_COOKIE, TamperedCookie, load_session
from civicshare.identity.tokens import IdentityUnavailable, InvalidToken
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext

log = logging.getLogger("civicshare.identity.refused")
AnyRequest = Request[object, object, State]


def unauthorised(detail: str, *, error: str | None = None) -> Problem:
    challenge = f'Bearer realm="civicshare", error="{error}"' if error else 'Bearer realm="civicshare"'
    return Problem(401, "Sign in required", detail, name="unauthorised", headers={"www-authenticate": challenge})


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, name="forbidden")


def identity_unavailable() -> Problem:
    return Problem(
        503,
        "Sign-in unavailable",
        "Signing in is not available at the moment. Services that need no sign-in still work, and nothing "
        "you have already sent is lost. Please try again in a few minutes.",
        name="identity-unavailable",
        headers={"retry-after": "30"},
    )


def identity_of(services: PlatformServices) -> Identity:
    if services.identity is None:
        raise identity_unavailable()
    return services.identity


def _bearer(request: AnyRequest) -> str | None:
    header = scope_header(request.scope, b"authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    # A JWT has three dot-separated parts; anything else (an operator's API key) is not ours to judge.
    if scheme.lower() != "bearer" or value.count(".") != 2:
        return None
    return value


async def provide_principal(request: AnyRequest, services: NamedDependency[PlatformServices]) -> Principal | None:
    token = _bearer(request)
    if token is not None:
        try:
            return await identity_of(services).validator.principal(token)
        except InvalidToken as error:
            log.warning("refused a bearer token: %s", error, extra={"path": request.url.path})
            raise unauthorised("The access token is not valid.", error="invalid_token") from None
        except IdentityUnavailable as error:
            log.error("cannot check a bearer token: %s", error)
            raise identity_unavailable() from None
    # Read from the raw headers first: most requests carry no cookie, and the framework's parsed headers
    # would be built for nothing.
    cookie = request.cookies.get(SESSION_COOKIE) if scope_header(request.scope, b"cookie") else None
    if cookie:
        try:
            async with services.database.lookups.connect() as connection:
                session = await load_session(connection, session_key(services), cookie)
        except TamperedCookie as error:
            log.warning("refused a session cookie: %s", error, extra={"path": request.url.path})
            raise unauthorised("The sign-in cookie is not valid; please sign in again.") from None
        if session is not None:
            return session.principal
    return None


async def provide_resident_principal(principal: NamedDependency[Principal | None]) -> Principal | None:
    return principal


async def require_signed_in(principal: NamedDependency[Principal | None]) -> Principal:
    if principal is None:
        raise unauthorised("Sign in to use this service.")
    return principal


async def require_staff(
    principal: NamedDependency[Principal | None], tenant: NamedDependency[TenantContext]
) -> Principal:
    """Staff or admin of THIS council: a member of another council is refused, whatever their role."""
    signed_in = await require_signed_in(principal)
    if not signed_in.is_staff_of(tenant.slug):
        log.warning("refused %s staff access to council %s", signed_in.subject, tenant.slug)
        raise forbidden(f"You do not work for {tenant.name} on this platform.")
    return signed_in


async def require_council_admin(
    principal: NamedDependency[Principal | None], tenant: NamedDependency[TenantContext]
) -> Principal:
    signed_in = await require_signed_in(principal)
    if not signed_in.is_admin_of(tenant.slug):
        log.warning("refused %s admin access to council %s", signed_in.subject, tenant.slug)
        raise forbidden(f"You are not an administrator of {tenant.name}.")
    return signed_in


async def require_operator(principal: NamedDependency[Principal | None]) -> Principal:
    signed_in = await require_signed_in(principal)
    if not signed_in.is_operator:
        log.warning("refused %s operator access", signed_in.subject)
        raise forbidden("Only platform operators may do this.")
    return signed_in


def session_key(services: PlatformServices) -> bytes:
    return services.settings.secret_key.get_secret_value().encode()
