"""Server-side browser sessions: a row in `platform.sessions`, a signed random id in a cookie.

The cookie holds ``<secret>.<signature>``: the signature (HMAC-SHA256 with the platform's secret key)
lets a tampered or made-up cookie be refused before any database work; the row is found by the
SHA-256 of the secret, so a copy of the table signs nobody in. Cookies are HttpOnly, SameSite=Lax,
Secure on https, and host-only: each council's host has its own session (a resident's one Keycloak
account signs them in at each council without asking again).

A session is bound to the councils as they were when it began: it records each council's stable id
(``platform.tenants.id``), and staff rights hold only at a council with that same id. A council onboarded
later under a name the person's organization already had (an offboarded council's successor) gives an
old session nothing. Sessions end at once when the person's access ends: removed from a council, account
disabled, council offboarded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.driver import CouncilStatement
from civicshare.db.metadata import PLATFORM_SCHEMA
from civicshare.identity.principal import Principal, Via
from civicshare.identity.tables import sessions
from civicshare.tenancy.context import TenantContext, TenantStatus
from civicshare.tenancy.tables import tenants

# Kept beside the principal in the session's JSON: {council slug: the council's id when the session began}.
BOUND_COUNCILS = "council_ids"

SESSION_COOKIE = "civicshare_session"
# Renew this long before the identity provider's access token expires.
RENEWAL_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class ProviderTokens:
    """What a Keycloak session keeps server-side to renew itself and to sign out at Keycloak."""

    client_id: str
    refresh_token: str | None
    expires_in: int
    session_id: str | None = None  # Keycloak's `sid`


class TamperedCookie(Exception):
    """A cookie whose signature does not match: forged or altered."""


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, purpose: str, value: str) -> str:
    return f"{value}.{_mac(key, purpose, value)}"


def unsign(key: bytes, purpose: str, signed: str) -> str:
    value, _, signature = signed.rpartition(".")
    if not value or not hmac.compare_digest(signature, _mac(key, purpose, value)):
        raise TamperedCookie(f"the {purpose} cookie's signature does not match")
    return value


def sign_json(key: bytes, purpose: str, data: dict[str, Any]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return sign(key, purpose, encoded)


def unsign_json(key: bytes, purpose: str, signed: str) -> dict[str, Any]:
    encoded = unsign(key, purpose, signed)
    try:
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except ValueError as error:
        raise TamperedCookie(f"the {purpose} cookie does not decode") from error
    return data


def session_id_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class BrowserSession:
    id: str
    principal: Principal
    provider: str
    id_token: str | None
    expires_at: datetime
    council_ids: dict[str, int] = field(default_factory=dict)
    client_id: str | None = None
    refresh_token: str | None = None
    renew_at: datetime | None = None

    def due_for_renewal(self, now: datetime, margin_seconds: int = RENEWAL_MARGIN_SECONDS) -> bool:
        """Renew a little before the access token runs out (only sessions that hold a refresh token)."""
        return (
            self.refresh_token is not None
            and self.renew_at is not None
            and now >= self.renew_at - timedelta(seconds=margin_seconds)
        )

    def principal_at(self, council: TenantContext | None) -> Principal:
        """The principal for a request to ``council``: without rights there if that council is not the
        one (same id) the session was bound to."""
        slug = council.slug if council is not None else None
        if council is None or slug not in self.principal.councils or self.council_ids.get(slug or "") == council.id:
            return self.principal
        councils = {other: org for other, org in self.principal.councils.items() if other != slug}
        return replace(self.principal, councils=councils)


async def _council_ids(connection: AsyncConnection, principal: Principal) -> dict[str, int]:
    if not principal.councils:
        return {}
    rows = await connection.execute(
        select(tenants.c.slug, tenants.c.id).where(
            tenants.c.slug.in_(list(principal.councils)), tenants.c.status != TenantStatus.OFFBOARDING.value
        )
    )
    return {row.slug: int(row.id) for row in rows}


async def create_session(
    connection: AsyncConnection,
    key: bytes,
    principal: Principal,
    *,
    provider: str,
    id_token: str | None,
    max_age_seconds: int,
    tokens: ProviderTokens | None = None,
) -> tuple[str, BrowserSession]:
    """Store a new session; return the cookie value and the session."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    council_ids = await _council_ids(connection, principal)
    renew_at = now + timedelta(seconds=tokens.expires_in) if tokens and tokens.refresh_token else None
    session = BrowserSession(
        id=session_id_of(secret),
        principal=_bound(Principal.from_json(principal.to_json(), Via.SESSION), council_ids),
        provider=provider,
        id_token=id_token,
        expires_at=now + timedelta(seconds=max_age_seconds),
        council_ids=council_ids,
        client_id=tokens.client_id if tokens else None,
        refresh_token=tokens.refresh_token if tokens else None,
        renew_at=renew_at,
    )
    # Expired sessions go as new ones come: the index on expires_at keeps this cheap.
    await connection.execute(delete(sessions).where(sessions.c.expires_at < now))
    await connection.execute(
        insert(sessions).values(
            id=session.id,
            subject=principal.subject,
            principal={**principal.to_json(), BOUND_COUNCILS: council_ids},
            provider=provider,
            id_token=id_token,
            expires_at=session.expires_at,
            client_id=session.client_id,
            refresh_token=session.refresh_token,
            renew_at=session.renew_at,
            provider_session=tokens.session_id if tokens else None,
        )
    )
    return sign(key, "session", secret), session


async def load_session(connection: AsyncConnection, key: bytes, cookie: str) -> BrowserSession | None:
    """The live session the cookie names; None when it ended or expired. Raises TamperedCookie."""
    secret = unsign(key, "session", cookie)
    row = (
        await connection.execute(
            select(sessions).where(sessions.c.id == session_id_of(secret), sessions.c.expires_at > datetime.now(UTC))
        )
    ).one_or_none()
    return None if row is None else _session_of(row._mapping)


# Read as a statement of its own on every signed-in request: one round trip, no BEGIN and ROLLBACK.
_LIVE_SESSION = CouncilStatement(
    select(sessions).where(sessions.c.id == bindparam("id"), sessions.c.expires_at > bindparam("now")),
    kept_as_function=True,
)


async def load_live_session(engine: AsyncEngine, key: bytes, cookie: str) -> BrowserSession | None:
    """`load_session` as a statement of its own, on a connection of `engine` borrowed for it alone."""
    secret = unsign(key, "session", cookie)
    row = await _LIVE_SESSION.fetch_one(
        engine, PLATFORM_SCHEMA, {"id": session_id_of(secret), "now": datetime.now(UTC)}
    )
    return None if row is None else _session_of(row)


def _session_of(row: Mapping[Any, Any]) -> BrowserSession:
    principal = row["principal"]
    council_ids = {str(slug): int(council_id) for slug, council_id in dict(principal.get(BOUND_COUNCILS, {})).items()}
    return BrowserSession(
        id=row["id"],
        principal=_bound(Principal.from_json(principal, Via.SESSION), council_ids),
        provider=row["provider"],
        id_token=row["id_token"],
        expires_at=row["expires_at"],
        council_ids=council_ids,
        client_id=row["client_id"],
        refresh_token=row["refresh_token"],
        renew_at=row["renew_at"],
    )


async def renew_session(
    connection: AsyncConnection,
    session: BrowserSession,
    principal: Principal,
    *,
    id_token: str | None,
    refresh_token: str | None,
    expires_in: int,
) -> BrowserSession:
    """Keep the session going with the identity provider's new tokens; the person's details (name, roles,
    councils still bound to the session) are as the new access token says."""
    now = datetime.now(UTC)
    bound = {slug: council_id for slug, council_id in session.council_ids.items() if slug in principal.councils}
    renewed = replace(
        session,
        principal=_bound(Principal.from_json(principal.to_json(), Via.SESSION), bound),
        council_ids=bound,
        id_token=id_token or session.id_token,
        refresh_token=refresh_token or session.refresh_token,
        renew_at=now + timedelta(seconds=expires_in),
    )
    await connection.execute(
        update(sessions)
        .where(sessions.c.id == session.id)
        .values(
            principal={**principal.to_json(), BOUND_COUNCILS: bound},
            id_token=renewed.id_token,
            refresh_token=renewed.refresh_token,
            renew_at=renewed.renew_at,
        )
    )
    return renewed


def _bound(principal: Principal, council_ids: dict[str, int]) -> Principal:
    """Only the councils the session was bound to: none that had no council on the platform then."""
    return replace(principal, councils={slug: org for slug, org in principal.councils.items() if slug in council_ids})


async def end_session(connection: AsyncConnection, session_id: str) -> None:
    await connection.execute(delete(sessions).where(sessions.c.id == session_id))


async def end_sessions_sharing(connection: AsyncConnection, session: BrowserSession) -> int:
    """End the session and every other site's session opened by the same identity provider session (the
    resident signed in once and was signed in at each council they visited)."""
    row = (await connection.execute(select(sessions.c.provider_session).where(sessions.c.id == session.id))).first()
    provider_session = row.provider_session if row is not None else None
    condition = sessions.c.id == session.id
    if provider_session:
        condition = condition | (sessions.c.provider_session == provider_session)
    result = await connection.execute(delete(sessions).where(condition))
    return int(result.rowcount or 0)


async def end_sessions_of(connection: AsyncConnection, subject: str) -> int:
    """Sign a person out everywhere (removed from a council, or their account disabled)."""
    result = await connection.execute(delete(sessions).where(sessions.c.subject == subject))
    return int(result.rowcount or 0)


async def end_sessions_at(connection: AsyncConnection, council_slug: str) -> int:
    """Sign out everyone whose session carries rights at the council (it is being offboarded)."""
    result = await connection.execute(delete(sessions).where(sessions.c.principal["councils"].has_key(council_slug)))
    return int(result.rowcount or 0)
