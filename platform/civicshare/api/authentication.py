"""Who is signing a request in: the principal of a request, as Litestar dependencies, and the
authenticator the access policy (`civicshare.policy`) asks about people. What they may do is the
policy's decision, declared on each route; these only say who they are.

- ``principal: NamedDependency[Principal | None]``: whoever signed the request in (bearer JWT or browser
  session), None when anonymous. A bad bearer token or a tampered session cookie is refused (401),
  never treated as anonymous. A bearer value that is not a JWT is left alone (None), for API keys.
- ``resident_principal: NamedDependency[Principal | None]``: the signed-in person acting as a resident
  (the one account works at every council), None when anonymous.
- ``signed_in``, ``staff``, ``council_admin``, ``operator``: ``NamedDependency[Principal]``, the person
  the app's guard admitted for the route's declared permission (the names only say who to expect).

Every refusal is logged with the reason; the answer tells the client no more than it needs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from civicshare.http.problems import Problem
from civicshare.http.scope import scope_header
from civicshare.identity.oidc import RenewalRefused
from civicshare.identity.principal import Principal
from civicshare.identity.provider import Identity
from civicshare.identity.sessions import (
    SESSION_COOKIE,
    BrowserSession,
    TamperedCookie,
    end_session,
    load_live_session,
    renew_session,
)
from civicshare.identity.tokens import IdentityUnavailable, InvalidToken
from civicshare.policy import Access, Actor, Refusal, admitted
from civicshare.policy.declarations import AnyConnection
from civicshare.services import PlatformServices
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

log = logging.getLogger("civicshare.identity.refused")
AnyRequest = Request[object, object, State]
_PRINCIPAL_SCOPE_KEY = "civicshare.principal"


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
    """Read once per request: the app's guard asks first, the handler's dependency gets the same answer."""
    if _PRINCIPAL_SCOPE_KEY in request.scope:
        known: Principal | None = request.scope[_PRINCIPAL_SCOPE_KEY]  # type: ignore[literal-required]
        return known
    principal = await _principal(request, services)
    request.scope[_PRINCIPAL_SCOPE_KEY] = principal  # type: ignore[literal-required]
    return principal


async def _principal(request: AnyRequest, services: PlatformServices) -> Principal | None:
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
            session = await load_live_session(services.database.lookups, session_key(services), cookie)
        except TamperedCookie as error:
            log.warning("refused a session cookie: %s", error, extra={"path": request.url.path})
            raise unauthorised("The sign-in cookie is not valid; please sign in again.") from None
        if session is not None and session.due_for_renewal(datetime.now(UTC)):
            session = await renewed(services, session)
        if session is not None:
            return session.principal_at(request.scope.get(TENANT_SCOPE_KEY))  # type: ignore[arg-type]
    return None


async def renewed(services: PlatformServices, session: BrowserSession) -> BrowserSession | None:
    """The session renewed with its refresh token before the access token runs out; None when the
    identity provider's session has ended (signed out elsewhere, timed out, account disabled). While
    Keycloak cannot be reached the session carries on as it was: nobody loses a half-filled form to it."""
    identity = services.identity
    if identity is None or identity.keycloak is None or session.refresh_token is None or session.client_id is None:
        return session
    try:
        tokens = await identity.keycloak.refresh(session.refresh_token, session.client_id)
        principal = await identity.validator.principal(tokens.access_token)
    except RenewalRefused as error:
        log.info("session of %s ended by the identity provider: %s", session.principal.subject, error)
        async with services.database.engine.begin() as connection:
            await end_session(connection, session.id)
        return None
    except (IdentityUnavailable, InvalidToken) as error:
        log.warning("could not renew the session of %s: %s", session.principal.subject, error)
        return session
    async with services.database.engine.begin() as connection:
        return await renew_session(
            connection,
            session,
            principal,
            id_token=tokens.id_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
        )


async def provide_resident_principal(principal: NamedDependency[Principal | None]) -> Principal | None:
    return principal


def provide_admitted_principal(request: AnyRequest) -> Principal:
    """The signed-in person the app's guard let in (`staff`, `council_admin`, `signed_in`, `operator`)."""
    principal = admitted(request).credential
    if not isinstance(principal, Principal):
        raise forbidden("This page is for people who sign in.")
    return principal


# One provider per dependency name (the framework wants them distinct); the names say who to expect.
def provide_signed_in(request: AnyRequest) -> Principal:
    return provide_admitted_principal(request)


def provide_staff(request: AnyRequest) -> Principal:
    return provide_admitted_principal(request)


def provide_council_admin(request: AnyRequest) -> Principal:
    return provide_admitted_principal(request)


def provide_operator(request: AnyRequest) -> Principal:
    return provide_admitted_principal(request)


class PersonAuthenticator:
    """People: a bearer JWT or a browser session (`Credential.PERSON`)."""

    async def actor(self, connection: AnyConnection, handler: BaseRouteHandler, access: Access) -> Actor | None:
        services: PlatformServices = connection.app.state.services
        principal = await provide_principal(connection, services)  # type: ignore[arg-type]
        return principal.actor if principal is not None else None

    async def refused(self, connection: AnyConnection, actor: Actor, refusal: Refusal) -> Exception:
        return Problem(403, "Forbidden", refusal.detail, name=refusal.name)


def session_key(services: PlatformServices) -> bytes:
    return services.settings.secret_key.get_secret_value().encode()
