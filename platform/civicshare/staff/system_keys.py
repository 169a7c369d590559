"""Connected systems (`/staff/systems`, administrators): keys for the council's own systems to use the
system API. A new key is shown once, on the page that answers its creation (never in an address or a
redirect), then only its name, scope and use; a key is revoked at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.systems.keys import NAME_MAX_LENGTH, KeyScope, NewSystemKey, council_keys, create_key, revoke_key
from civicshare.web.service import uk_date, uk_date_time
from civicshare.web.site import FieldError

SCOPES = {"read": "Read requests only", "write": "Read requests, move them on and add updates for residents"}
EXPIRIES = {"never": None, "30": 30, "90": 90, "365": 365}
EXPIRY_WORDS = {"never": "Never", "30": "In 30 days", "90": "In 90 days", "365": "In a year"}
STATES = {"active": "Active", "revoked": "Revoked", "expired": "Expired"}


async def _systems_page(
    visit: StaffVisit,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    created: NewSystemKey | None = None,
    done: str | None = None,
    typed: dict[str, Any] | None = None,
) -> Response[Any]:
    offerings: CouncilOfferings = await visit.services.offerings.for_council(visit.web.council)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        keys = await council_keys(connection)
    titles = {offering.code: offering.title for offering in offerings}
    now = datetime.now(UTC)
    listed = [
        {
            "id": key.id,
            "name": key.name,
            "key_id": key.key_id,
            "scope": SCOPES[key.scope.value],
            "services": ", ".join(titles.get(code, code) for code in key.services) if key.services else "Every service",
            "state": key.state(now),
            "state_label": STATES[key.state(now)],
            "created": f"{uk_date(key.created_at)} by {key.created_by}",
            "expires": uk_date(key.expires_at) if key.expires_at else "Never",
            "last_used": uk_date_time(key.last_used_at) if key.last_used_at else "Not used yet",
        }
        for key in keys
    ]
    return visit.page(
        "staff/system_keys.html",
        status=status,
        title="Connected systems",
        current="staff-systems",
        errors=errors or [],
        keys=listed,
        created=created,
        done=done,
        typed=typed or {},
        scope_options=[{"value": value, "label": label} for value, label in SCOPES.items()],
        expiry_options=[{"value": value, "label": label} for value, label in EXPIRY_WORDS.items()],
        service_options=[{"value": offering.code, "label": offering.title} for offering in offerings],
        name_max=NAME_MAX_LENGTH,
    )


@get("/systems", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def connected_systems(
    staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None
) -> Response[Any]:
    return await _systems_page(staff_visit, done="Key revoked" if done == "revoked" else None)


@post("/systems/keys", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def add_system_key(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.request.form()
    name = str(form.get("name") or "").strip()
    scope = str(form.get("scope") or "")
    expiry = str(form.get("expires") or "never")
    offered = {offering.code for offering in await visit.services.offerings.for_council(visit.web.council)}
    chosen = tuple(sorted({str(code) for code in form.getall("services", []) if str(code) in offered}))
    errors = text_problems("name", "Name", name, NAME_MAX_LENGTH)
    if not name:
        errors.append(FieldError("name", "Enter the name of the system, for example Highways CRM"))
    if scope not in SCOPES:
        errors.append(FieldError("scope", "Select what the system may do"))
    if expiry not in EXPIRIES:
        errors.append(FieldError("expires", "Select when the key expires"))
    if errors:
        typed = {"name": name, "scope": scope, "expires": expiry, "services": chosen}
        return await _systems_page(visit, status=400, errors=errors, typed=typed)
    days = EXPIRIES[expiry]
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        created = await create_key(
            connection,
            visit.casework_officer,
            name=name,
            scope=KeyScope(scope),
            services=chosen or None,
            expires_at=datetime.now(UTC) + timedelta(days=days) if days else None,
        )
    return await _systems_page(visit, created=created)


@post("/systems/keys/{key_row_id:str}/revoke", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def revoke_system_key_page(
    staff_visit: NamedDependency[StaffVisit], key_row_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    if not key_row_id.isdecimal() or len(key_row_id) > 18:
        raise Problem(404, "Key not found", "There is no such key.", name="system-key-not-found")
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        revoked = await revoke_key(connection, staff_visit.casework_officer, int(key_row_id))
    if revoked is None:
        raise Problem(404, "Key not found", "There is no such key.", name="system-key-not-found")
    return staff_visit.redirect("/staff/systems?done=revoked")


HANDLERS = [connected_systems, add_system_key, revoke_system_key_page]
