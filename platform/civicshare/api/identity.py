"""Sign-in, sign-out and "who am I": thin handlers over the identity provider and the session store.

Browser sign-in runs on the council's own host (the redirect URI is ``<council origin>/auth/callback``),
so the session cookie belongs to that host only. The dev identity's sign-in page (``GET
/dev-identity/sign-in``, the demo people) is drawn by the council website in the council's colours
(``civicshare.web.routes.dev_sign_in_page``); choosing a person posts here.

Single sign-on: Keycloak's own session signs a resident in at every council's site. The dev identity
does the same for the demo with a cookie on the platform's own host (``/dev-identity/authorize``,
``/remember``, ``/complete``, ``/end-session``), every hop between hosts carried by a short-lived value
signed with the platform's key, so none of them redirects anywhere the platform did not choose.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from litestar import Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.response import Redirect
from msgspec import Struct
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.authentication import (
    AnyRequest,
    identity_of,
    identity_unavailable,
    session_key,
    unauthorised,
)
from civicshare.http.problems import Problem
from civicshare.http.scope import root_path
from civicshare.identity.oidc import SignInStart, council_client_id
from civicshare.identity.principal import Principal
from civicshare.identity.provider import DEV_IDENTITY_PATH, Identity
from civicshare.identity.sessions import (
    SESSION_COOKIE,
    ProviderTokens,
    TamperedCookie,
    create_session,
    end_sessions_sharing,
    load_session,
    sign_json,
    unsign_json,
)
from civicshare.identity.tokens import IdentityUnavailable, InvalidToken
from civicshare.policy import PUBLIC, Permission, allows, requires
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.settings import Mode
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.hosts import public_origin
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import transactions

log = logging.getLogger("civicshare.identity.refused")

OptionalQuery = Annotated[str | None, QueryParameter()]
SIGN_IN_COOKIE = "civicshare_signin"
SIGN_IN_SECONDS = 600


def origin_of(request: AnyRequest) -> str:
    """The address the browser used, as configured (never the Host as sent), with the /t/<council> prefix
    if it came that way."""
    return f"{public_origin(request.scope)}{root_path(request.scope)}"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another site (open redirect) or a scheme-relative //host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def platform_cookie(request: AnyRequest, name: str, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.scope["scheme"] == "https",
    )


STAFF_HOME = "/staff"


def landing_page(request: AnyRequest, principal: Principal, next_path: str) -> str:
    """Where a sign-in ends: the page it started from, or for a council's staff signing in from its home
    page, the back office."""
    council: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    if next_path == "/" and council is not None and allows(principal.actor, Permission.VIEW_REQUESTS, council):
        return STAFF_HOME
    return next_path


async def start_session(
    request: AnyRequest,
    services: PlatformServices,
    principal: Principal,
    *,
    id_token: str | None,
    next_path: str,
    tokens: ProviderTokens | None = None,
    redirect_to: str | None = None,
) -> Response[Any]:
    identity = identity_of(services)
    async with services.database.engine.begin() as connection:
        cookie_value, _ = await create_session(
            connection,
            session_key(services),
            principal,
            provider=identity.provider.value,
            id_token=id_token,
            max_age_seconds=services.settings.session_max_age_seconds,
            tokens=tokens,
        )
    log.info("signed in %s (%s)", principal.subject, identity.provider.value)
    return Redirect(
        path=redirect_to or root_path(request.scope) + landing_page(request, principal, next_path),
        status_code=303,
        cookies=[
            platform_cookie(request, SESSION_COOKIE, cookie_value, services.settings.session_max_age_seconds),
            platform_cookie(request, SIGN_IN_COOKIE, "", 0),
        ],
    )


# --- browser sign-in (Keycloak, or the dev identity's page) ---------------------------------------


@get("/auth/sign-in", include_in_schema=False, opt=PUBLIC, middleware=[rate_limited(Traffic.SIGN_IN)])
async def sign_in(
    request: AnyRequest, services: NamedDependency[PlatformServices], next: OptionalQuery = None
) -> Response[Any]:
    identity = identity_of(services)
    target = safe_next(next)
    root = root_path(request.scope)
    if identity.dev is not None:
        # Ask the dev identity's own host whether the person is signed in already (single sign-on).
        hop = dev_hop(services, "dev-authorize", back=origin_of(request), next=target)
        return Redirect(path=f"{dev_origin(request, services)}/authorize?{urlencode({'hop': hop})}", status_code=303)
    assert identity.keycloak is not None
    try:
        await identity.keycloak.check_available()
    except IdentityUnavailable as error:
        log.error("sign-in unavailable: %s", error)
        raise identity_unavailable() from None
    start = SignInStart.new()
    redirect_uri = origin_of(request) + "/auth/callback"
    council: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    # On a council's own host, the council's own client: Keycloak's pages then show the council the
    # resident came from. Its redirect URIs are the council's hosts, so a visit by the platform's
    # address (/t/<council>) signs in through the platform's web client.
    client_id = identity.keycloak.client_id
    if council is not None and not root:
        client_id = council_client_id(identity.keycloak.client_id, council.slug)
    state = sign_json(
        session_key(services),
        "sign-in",
        {
            "state": start.state,
            "nonce": start.nonce,
            "verifier": start.code_verifier,
            "next": target,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "expires": int(time.time()) + SIGN_IN_SECONDS,
        },
    )
    return Redirect(
        path=identity.keycloak.authorization_url(start, redirect_uri, client_id),
        status_code=303,
        cookies=[platform_cookie(request, SIGN_IN_COOKIE, state, SIGN_IN_SECONDS)],
    )


def sign_in_failed(detail: str) -> Problem:
    return Problem(400, "Sign-in did not complete", detail + " Please start signing in again.", name="sign-in-failed")


@get("/auth/callback", include_in_schema=False, opt=PUBLIC, middleware=[rate_limited(Traffic.SIGN_IN)])
async def sign_in_callback(
    request: AnyRequest,
    services: NamedDependency[PlatformServices],
    code: OptionalQuery = None,
    returned_state: Annotated[str | None, QueryParameter(name="state")] = None,
    error: OptionalQuery = None,
) -> Response[Any]:
    identity = identity_of(services)
    if identity.keycloak is None:
        raise Problem(404, "Not found", name="not-found")
    try:
        started = unsign_json(session_key(services), "sign-in", request.cookies.get(SIGN_IN_COOKIE, ""))
    except TamperedCookie as problem:
        log.warning("refused a sign-in callback: %s", problem)
        raise sign_in_failed("This sign-in was not started here, or took too long.") from None
    if started.get("expires", 0) < time.time() or returned_state != started.get("state"):
        log.warning("refused a sign-in callback: state expired or does not match")
        raise sign_in_failed("This sign-in was not started here, or took too long.")
    if error or not code:
        raise sign_in_failed(f"The identity provider did not sign you in ({error or 'no code'}).")
    client_id = str(started.get("client_id") or identity.keycloak.client_id)
    try:
        tokens = await identity.keycloak.exchange_code(code, started["redirect_uri"], started["verifier"], client_id)
        principal = await identity.validator.principal(tokens.access_token)
        provider_session: str | None = None
        if tokens.id_token:
            id_claims = await identity.validator.claims(tokens.id_token, audience=client_id, typ="ID")
            if id_claims.get("nonce") != started["nonce"]:
                raise InvalidToken("the ID token's nonce does not match this sign-in")
            provider_session = str(id_claims["sid"]) if id_claims.get("sid") else None
    except IdentityUnavailable as problem:
        log.error("sign-in unavailable: %s", problem)
        raise identity_unavailable() from None
    except InvalidToken as problem:
        log.warning("refused a sign-in: %s", problem)
        raise unauthorised("The identity provider's answer could not be accepted.") from None
    kept = ProviderTokens(client_id, tokens.refresh_token, tokens.expires_in, provider_session)
    return await start_session(
        request, services, principal, id_token=tokens.id_token, next_path=started["next"], tokens=kept
    )


@post("/auth/sign-out", include_in_schema=False, opt=PUBLIC)
async def sign_out(
    request: AnyRequest, services: NamedDependency[PlatformServices], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    id_token: str | None = None
    client_id: str | None = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            async with services.database.engine.begin() as connection:
                session = await load_session(connection, session_key(services), cookie)
                if session is not None:
                    id_token, client_id = session.id_token, session.client_id
                    await end_sessions_sharing(connection, session)
        except TamperedCookie:
            pass  # signing out is what we want anyway
    clear = [platform_cookie(request, SESSION_COOKIE, "", 0)]
    identity = services.identity
    if identity is not None and identity.dev is not None:
        hop = dev_hop(services, "dev-end-session", back=origin_of(request) + "/")
        target = f"{dev_origin(request, services)}/end-session?{urlencode({'hop': hop})}"
        return Redirect(path=target, status_code=303, cookies=clear)
    if identity is not None and identity.keycloak is not None and id_token:
        # Ends Keycloak's own session too (every council's), not only this site's.
        target = identity.keycloak.end_session_url(id_token, origin_of(request) + "/", client_id)
        return Redirect(path=target, status_code=303, cookies=clear)
    return Redirect(path=root_path(request.scope) + "/", status_code=303, cookies=clear)


# --- the dev identity (never in production) -------------------------------------------------------


def dev_identity_of(services: PlatformServices) -> Identity:
    identity = services.identity
    if services.settings.mode is Mode.PRODUCTION or identity is None or identity.dev is None:
        raise Problem(404, "Not found", name="not-found")
    return identity


@get(f"{DEV_IDENTITY_PATH}/jwks.json", include_in_schema=False, opt=PUBLIC)
async def dev_jwks(services: NamedDependency[PlatformServices]) -> dict[str, Any]:
    identity = dev_identity_of(services)
    assert identity.dev is not None
    return identity.dev.jwks()


@post(f"{DEV_IDENTITY_PATH}/sign-in", include_in_schema=False, opt=PUBLIC, middleware=[rate_limited(Traffic.SIGN_IN)])
async def dev_sign_in(
    request: AnyRequest,
    services: NamedDependency[PlatformServices],
    csrf_checked: NamedDependency[None],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    identity = dev_identity_of(services)
    assert identity.dev is not None
    try:
        token = identity.dev.issue_token(data.get("email", ""))
    except LookupError:
        raise Problem(400, "Unknown person", "Choose one of the demo people.", name="unknown-person") from None
    # The same validation as a Keycloak token: the dev identity's tokens have the same shape.
    principal = await identity.validator.principal(token)
    # Like Keycloak's session, one dev identity session spans every council's site it signs in at.
    provider_session = secrets.token_urlsafe(16)
    next_path = safe_next(data.get("next"))
    back = public_origin(request.scope) + root_path(request.scope) + landing_page(request, principal, next_path)
    ticket = dev_hop(services, "dev-remember", email=data.get("email", ""), sid=provider_session, back=back)
    return await start_session(
        request,
        services,
        principal,
        id_token=None,
        next_path=next_path,
        tokens=ProviderTokens(DEV_CLIENT, None, 0, provider_session),
        redirect_to=f"{dev_origin(request, services)}/remember?{urlencode({'ticket': ticket})}",
    )


# --- the dev identity's single sign-on across councils' hosts ---------------------------------------

DEV_SSO_COOKIE = "civicshare_dev_sso"
DEV_CLIENT = "dev-identity"
DEV_HOP_SECONDS = 120


def dev_origin(request: AnyRequest, services: PlatformServices) -> str:
    """The dev identity's own address: the platform's host (as configured), on the port the request used."""
    port = urlsplit(public_origin(request.scope)).port
    scheme = request.scope["scheme"]
    default = 443 if scheme == "https" else 80
    suffix = f":{port}" if port and port != default else ""
    host = services.settings.host
    name = "localhost" if host in ("0.0.0.0", "::") else host  # noqa: S104 - naming, not binding
    return f"{scheme}://{name}{suffix}{DEV_IDENTITY_PATH}"


def dev_hop(services: PlatformServices, purpose: str, **data: str) -> str:
    return sign_json(session_key(services), purpose, {**data, "expires": int(time.time()) + DEV_HOP_SECONDS})


def dev_hop_data(services: PlatformServices, purpose: str, value: str | None) -> dict[str, Any]:
    try:
        data = unsign_json(session_key(services), purpose, value or "")
    except TamperedCookie:
        raise sign_in_failed("This sign-in was not started here.") from None
    if data.get("expires", 0) < time.time():
        raise sign_in_failed("This sign-in took too long.")
    return data


def _dev_signed_in(request: AnyRequest, services: PlatformServices) -> dict[str, Any] | None:
    try:
        return unsign_json(session_key(services), "dev-sso", request.cookies.get(DEV_SSO_COOKIE, ""))
    except TamperedCookie:
        return None


def _dev_sso_cookie(request: AnyRequest, value: str, max_age: int) -> Cookie:
    cookie = platform_cookie(request, DEV_SSO_COOKIE, value, max_age)
    cookie.path = DEV_IDENTITY_PATH
    return cookie


@get(f"{DEV_IDENTITY_PATH}/authorize", include_in_schema=False, opt=PUBLIC, middleware=[rate_limited(Traffic.SIGN_IN)])
async def dev_authorize(
    services: NamedDependency[PlatformServices], request: AnyRequest, hop: OptionalQuery = None
) -> Response[Any]:
    """On the platform's host: back to the council signed in when the dev identity's session is live, else
    to the council's page of demo people."""
    identity = dev_identity_of(services)
    assert identity.dev is not None
    asked = dev_hop_data(services, "dev-authorize", hop)
    person = _dev_signed_in(request, services)
    if person is not None:
        try:
            identity.dev.issue_token(str(person.get("email", "")))
        except LookupError:
            person = None  # the account was disabled since
    if person is None:
        return Redirect(
            path=f"{asked['back']}{DEV_IDENTITY_PATH}/sign-in?{urlencode({'next': asked['next']})}", status_code=303
        )
    ticket = dev_hop(services, "dev-ticket", email=person["email"], sid=person["sid"], back=asked["back"])
    query = urlencode({"ticket": ticket, "next": asked["next"]})
    return Redirect(path=f"{asked['back']}{DEV_IDENTITY_PATH}/complete?{query}", status_code=303)


@get(f"{DEV_IDENTITY_PATH}/complete", include_in_schema=False, opt=PUBLIC, middleware=[rate_limited(Traffic.SIGN_IN)])
async def dev_complete(
    request: AnyRequest,
    services: NamedDependency[PlatformServices],
    ticket: OptionalQuery = None,
    next: OptionalQuery = None,
) -> Response[Any]:
    """On the council's host: the session the dev identity vouched for, without asking again."""
    identity = dev_identity_of(services)
    assert identity.dev is not None
    vouched = dev_hop_data(services, "dev-ticket", ticket)
    if vouched.get("back") != origin_of(request):
        raise sign_in_failed("This sign-in was meant for another site.")
    try:
        token = identity.dev.issue_token(str(vouched["email"]))
    except LookupError:
        raise sign_in_failed("That account cannot sign in.") from None
    principal = await identity.validator.principal(token)
    tokens = ProviderTokens(DEV_CLIENT, None, 0, str(vouched["sid"]))
    return await start_session(request, services, principal, id_token=None, next_path=safe_next(next), tokens=tokens)


@get(f"{DEV_IDENTITY_PATH}/remember", include_in_schema=False, opt=PUBLIC)
async def dev_remember(
    request: AnyRequest, services: NamedDependency[PlatformServices], ticket: OptionalQuery = None
) -> Response[Any]:
    """On the platform's host: remember who signed in (the dev identity's own session), then back."""
    dev_identity_of(services)
    signed_in = dev_hop_data(services, "dev-remember", ticket)
    person = sign_json(session_key(services), "dev-sso", {"email": signed_in["email"], "sid": signed_in["sid"]})
    max_age = services.settings.session_max_age_seconds
    return Redirect(path=signed_in["back"], status_code=303, cookies=[_dev_sso_cookie(request, person, max_age)])


@get(f"{DEV_IDENTITY_PATH}/end-session", include_in_schema=False, opt=PUBLIC)
async def dev_end_session(
    request: AnyRequest, services: NamedDependency[PlatformServices], hop: OptionalQuery = None
) -> Response[Any]:
    """On the platform's host: sign-out ends the dev identity's session too, then back to the council."""
    dev_identity_of(services)
    leaving = dev_hop_data(services, "dev-end-session", hop)
    return Redirect(path=leaving["back"], status_code=303, cookies=[_dev_sso_cookie(request, "", 0)])


class IssuedToken(Struct):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


class TokenRequest(Struct):
    email: str


@post(
    f"{DEV_IDENTITY_PATH}/token",
    tags=["identity"],
    status_code=200,
    opt=PUBLIC,
    middleware=[rate_limited(Traffic.SIGN_IN)],
)
async def dev_token(services: NamedDependency[PlatformServices], data: JSONBody[TokenRequest]) -> IssuedToken:
    """Development only: an access token for a demo person (as a password grant would give)."""
    identity = dev_identity_of(services)
    assert identity.dev is not None
    try:
        return IssuedToken(identity.dev.issue_token(data.email))
    except LookupError:
        raise Problem(400, "Unknown person", "Choose one of the demo people.", name="unknown-person") from None


# --- who am I -------------------------------------------------------------------------------------


class Me(Struct):
    subject: str
    email: str | None
    name: str | None
    roles: list[str]
    councils: list[str]
    signed_in_with: str


def me_of(principal: Principal) -> Me:
    return Me(
        principal.subject,
        principal.email,
        principal.name,
        sorted(role.value for role in principal.roles),
        sorted(principal.councils),
        principal.via.value,
    )


@get("/api/v1/me", tags=["identity"], opt=requires(Permission.SIGNED_IN))
async def me(signed_in: NamedDependency[Principal]) -> Me:
    """The signed-in person: roles and the councils they work for."""
    return me_of(signed_in)


class StaffMe(Struct):
    council: str
    me: Me


@get("/api/v1/staff/me", tags=["staff"], opt=requires(Permission.VIEW_REQUESTS))
async def staff_me(staff: NamedDependency[Principal], tenant: NamedDependency[TenantContext]) -> StaffMe:
    """The signed-in member of staff at this council (403 for anyone who does not work for it)."""
    return StaffMe(tenant.slug, me_of(staff))


@get(
    "/admin/v1/operator",
    tags=["admin"],
    opt=requires(Permission.VIEW_PLATFORM),
    middleware=[rate_limited(Traffic.ADMIN)],
)
async def operator_me(operator: NamedDependency[Principal]) -> Me:
    """The signed-in platform operator (a JWT with the platform-operator role)."""
    return me_of(operator)


class MyTransaction(Struct):
    reference: str
    service: str
    status: str
    submitted_at: datetime


def _mine(principal: Principal) -> Any:
    return transactions.c.resident_subject == principal.subject


@get("/api/v1/me/transactions", tags=["identity"], opt=requires(Permission.SIGNED_IN))
async def my_transactions(
    signed_in: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> list[MyTransaction]:
    """The signed-in resident's own requests at this council (the same account works at every council)."""
    rows = await tenant_db.execute(
        select(transactions.c.reference, transactions.c.service, transactions.c.status, transactions.c.created_at)
        .where(_mine(signed_in))
        .order_by(transactions.c.id.desc())
        .limit(200)
    )
    return [MyTransaction(row.reference, row.service, row.status, row.created_at) for row in rows]


@get("/api/v1/me/transactions/{reference:str}", tags=["identity"], opt=requires(Permission.SIGNED_IN))
async def my_transaction(
    reference: FromPath[str], signed_in: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> MyTransaction:
    """One of the resident's own requests; another person's answers 404, exactly like an unknown one."""
    row = (
        await tenant_db.execute(
            select(
                transactions.c.reference, transactions.c.service, transactions.c.status, transactions.c.created_at
            ).where(transactions.c.reference == normalise_reference(reference), _mine(signed_in))
        )
    ).one_or_none()
    if row is None:
        log.warning("refused %s a transaction that is not theirs or does not exist", signed_in.subject)
        raise Problem(
            404, "Request not found", "You have no request with that reference.", name="transaction-not-found"
        )
    return MyTransaction(row.reference, row.service, row.status, row.created_at)


ROUTES = [
    sign_in,
    sign_in_callback,
    sign_out,
    dev_jwks,
    dev_sign_in,
    dev_authorize,
    dev_complete,
    dev_remember,
    dev_end_session,
    dev_token,
    me,
    staff_me,
    operator_me,
    my_transactions,
    my_transaction,
]
