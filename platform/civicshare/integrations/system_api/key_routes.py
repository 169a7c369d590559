"""The staff API a council's administrators manage its system keys with (`/api/v1/staff/system-keys`).

The secret of a new key is in the answer that creates it and nowhere else, ever; listing and reading
keys show everything else about them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer
from civicshare.catalogue.service import CouncilOfferings
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.integrations.system_api.schemas import SERVICES_MOST, CreatedSystemKey, NewSystemKeyIn, SystemKeyOut
from civicshare.policy import Permission, requires
from civicshare.systems.keys import KeyScope, SystemKey, council_keys, create_key, revoke_key
from civicshare.transactions.views import staff_name, validation_problem


def key_out(key: SystemKey, now: datetime | None = None) -> SystemKeyOut:
    return SystemKeyOut(
        id=key.id,
        key_id=key.key_id,
        name=key.name,
        scope=key.scope.value,
        works_on=list(key.services) if key.services is not None else None,
        state=key.state(now or datetime.now(UTC)),  # type: ignore[arg-type]
        created_by=key.created_by,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def admin_officer(admin: Principal) -> Officer:
    return Officer(admin.subject, staff_name(admin))


@get(
    "/api/v1/staff/system-keys",
    tags=["system keys"],
    summary="List the council's system keys (never their secrets)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def list_system_keys(
    council_admin: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> list[SystemKeyOut]:
    now = datetime.now(UTC)
    return [key_out(key, now) for key in await council_keys(tenant_db)]


@post(
    "/api/v1/staff/system-keys",
    tags=["system keys"],
    summary="Create a system key (its secret shown once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def create_system_key(
    data: JSONBody[NewSystemKeyIn],
    council_admin: NamedDependency[Principal],
    tenant_db: NamedDependency[AsyncConnection],
    offerings: NamedDependency[CouncilOfferings],
) -> Response[CreatedSystemKey]:
    """A key for one of the council's systems: `read`, or `write` (read, move requests on, add public
    updates), optionally limited to some services and expiring. Keep `key` safe: it is never shown again."""
    name = data.name.strip()
    offered = {offering.code for offering in offerings}
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter a name for the system"
    unknown = sorted(set(data.works_on) - offered)
    if len(data.works_on) > SERVICES_MOST:
        errors["works_on"] = f"Give at most {SERVICES_MOST} services"
    elif unknown:
        errors["works_on"] = f"This council does not offer {', '.join(repr(code) for code in unknown)}"
    expires_at = data.expires_at
    if expires_at is not None:
        expires_at = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if expires_at <= datetime.now(UTC):
            errors["expires_at"] = "The expiry must be in the future"
    if errors:
        raise validation_problem(errors)
    created = await create_key(
        tenant_db,
        admin_officer(council_admin),
        name=name,
        scope=KeyScope(data.scope),
        services=tuple(sorted(set(data.works_on))) or None,
        expires_at=expires_at,
    )
    body = CreatedSystemKey(key=created.secret, system_key=key_out(created.key))
    return Response(body, status_code=201, headers={"cache-control": "no-store"})


@post(
    "/api/v1/staff/system-keys/{key_row_id:int}/revoke",
    tags=["system keys"],
    status_code=200,
    summary="Revoke a system key (at once)",
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def revoke_system_key(
    key_row_id: FromPath[int], council_admin: NamedDependency[Principal], tenant_db: NamedDependency[AsyncConnection]
) -> SystemKeyOut:
    revoked = await revoke_key(tenant_db, admin_officer(council_admin), key_row_id)
    if revoked is None:
        raise Problem(404, "Key not found", "This council has no such system key.", name="system-key-not-found")
    return key_out(revoked)


KEY_ROUTES = [list_system_keys, create_system_key, revoke_system_key]
