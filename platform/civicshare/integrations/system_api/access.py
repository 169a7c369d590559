"""Who is calling the system API: a system key of the council the request is addressed to.

The key is looked up in that council's schema only (through the lookups pool, beside the request's own
connection), so a key of another council is not found and gets the same 401 as a made-up one. A refused
use of a known key (revoked, expired, read-only on a write, outside its services) is written to the
council's audit log in a transaction of its own, which the refusal does not roll back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.http.scope import scope_header
from civicshare.identity.guards import AnyRequest, forbidden
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


def _presented_key(request: AnyRequest) -> str | None:
    header = scope_header(request.scope, b"authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def provide_system_key(
    request: AnyRequest, tenant: NamedDependency[TenantContext], services: NamedDependency[PlatformServices]
) -> SystemKey:
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


async def require_write(services: PlatformServices, tenant: TenantContext, key: SystemKey) -> None:
    if key.scope is not KeyScope.WRITE:
        raise await refuse(services, tenant, key, "this key may only read requests")


async def require_service(
    services: PlatformServices, tenant: TenantContext, key: SystemKey, service: str, reference: str
) -> None:
    if not key.works_on(service):
        raise await refuse(services, tenant, key, "this key does not work on this request's service", reference)
