"""Who is calling the system API: a system key of the council the request is addressed to
(`Credential.SYSTEM_KEY` for the access policy: a read key holds VIEW_REQUESTS, a write key also
CHANGE_REQUESTS, at its own council, for its services).

The key is looked up in that council's schema only (through the lookups pool, beside the request's own
connection), so a key of another council is not found and gets the same 401 as a made-up one. A refused
use of a known key (revoked, expired, read-only on a write, outside its services) is written to the
council's audit log in a transaction of its own, which the refusal does not roll back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.access import council_not_given
from civicshare.api.authentication import AnyRequest, forbidden
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.http.scope import scope_header
from civicshare.policy import Access, Actor, Refusal, Role, admitted
from civicshare.policy.declarations import AnyConnection
from civicshare.services import PlatformServices
from civicshare.systems.keys import (
    KEY_ID_LENGTH,
    KEY_PREFIX,
    KeyRefused,
    KeyScope,
    SystemKey,
    record_refusal,
    verify_key,
)
from civicshare.systems.rate import KeyRateLimiter
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

log = logging.getLogger("civicshare.identity.refused")

KNOWN_KEY_REFUSALS = {
    "the key is revoked": "This key was revoked by the council.",
    "the key is expired": "This key has expired; ask the council for a new one.",
}


RATE_LIMITER = KeyRateLimiter()  # one per worker process: see civicshare.systems.rate


def _too_many(wait: float) -> Problem:
    return Problem(
        429,
        "Too many requests",
        "This key is calling faster than the platform serves one system. Slow down and try again.",
        name="too-many-requests",
        headers={"retry-after": KeyRateLimiter.retry_after(wait)},
    )


def _refused(detail: str) -> Problem:
    return Problem(
        401,
        "System key required",
        detail,
        name="unauthorised",
        headers={"www-authenticate": 'Bearer realm="civicshare-system"'},
    )


def _presented_key(request: AnyConnection) -> str | None:
    header = scope_header(request.scope, b"authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _verified_key(request: AnyConnection, tenant: TenantContext, services: PlatformServices) -> SystemKey:
    presented = _presented_key(request)
    if presented is None:
        raise _refused("Send one of this council's system keys as `Authorization: Bearer cs_sys_...`.")
    # Counted before the key is looked up, by the key id it claims: a flood never reaches the database.
    wait = RATE_LIMITER.wait_needed(f"{tenant.slug}:{presented[len(KEY_PREFIX) : len(KEY_PREFIX) + KEY_ID_LENGTH]}")
    if wait:
        raise _too_many(wait)
    refusal: KeyRefused | None = None
    async with tenant_connection(services.database.lookups, tenant) as connection:
        try:
            key = await verify_key(connection, presented)
        except KeyRefused as refused:
            refusal = refused  # the refusal's audit entry commits with this block
    if refusal is not None:
        log.warning("refused a system key at council %s: %s", tenant.slug, refusal.reason)
        raise _refused(KNOWN_KEY_REFUSALS.get(refusal.reason, "This is not a system key of this council."))
    return key


_ROLE_OF_SCOPE = {KeyScope.READ: Role.SYSTEM_KEY_READ, KeyScope.WRITE: Role.SYSTEM_KEY_WRITE}


class SystemKeyAuthenticator:
    async def actor(self, connection: AnyConnection, handler: BaseRouteHandler, access: Access) -> Actor:
        tenant: TenantContext | None = connection.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
        if tenant is None:
            raise council_not_given()
        key = await _verified_key(connection, tenant, connection.app.state.services)
        return Actor(
            name=f"system key {key.key_id}",
            roles=frozenset({_ROLE_OF_SCOPE[key.scope]}),
            councils=frozenset({tenant.slug}),
            credential=key,
        )

    async def refused(self, connection: AnyConnection, actor: Actor, refusal: Refusal) -> Exception:
        key = actor.credential
        assert isinstance(key, SystemKey)
        tenant: TenantContext = connection.scope[TENANT_SCOPE_KEY]  # type: ignore[literal-required]
        reason = "this key may only read requests" if key.scope is KeyScope.READ else refusal.detail
        return await refuse(connection.app.state.services, tenant, key, reason)


def provide_system_key(request: AnyRequest) -> SystemKey:
    key = admitted(request).credential
    assert isinstance(key, SystemKey), "system API routes are declared with by=Credential.SYSTEM_KEY"
    return key


async def provide_system_db(
    system_key: NamedDependency[SystemKey],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> AsyncIterator[AsyncConnection]:
    """The request's connection to the council's schema, taken only once its key was accepted: a flood of
    calls with bad keys never holds the request pool's connections."""
    async with tenant_connection(services.database.engine, tenant) as connection:
        yield connection


async def refuse(
    services: PlatformServices, tenant: TenantContext, key: SystemKey, reason: str, reference: str | None = None
) -> Problem:
    """Record (in the council's audit log) that `key` was refused, and the 403 to answer with."""
    async with tenant_connection(services.database.lookups, tenant) as connection:
        await record_refusal(connection, key, reason, reference)
    log.warning("refused system key %s at council %s: %s", key.key_id, tenant.slug, reason)
    return forbidden(reason[0].upper() + reason[1:] + ".")


async def require_service(
    services: PlatformServices, tenant: TenantContext, key: SystemKey, service: str, reference: str
) -> None:
    if not key.works_on(service):
        raise await refuse(services, tenant, key, "this key does not work on this request's service", reference)
