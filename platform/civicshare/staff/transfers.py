"""Sending a request on to the council on the platform that is responsible for it (`places.transfer`),
and what the request's page shows of it: where it went or came from, and the councils it could go to."""

from __future__ import annotations

from typing import Any

from litestar import Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from civicshare.db.engine import tenant_connection
from civicshare.places.transfer import TransferLink, TransferRefused, transfer_request
from civicshare.policy import Permission, requires
from civicshare.services import PlatformServices
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.tenancy.context import TenantContext, TenantStatus
from civicshare.web.pins import map_values
from civicshare.web.site import FieldError

NOTE_MAX_LENGTH = 1000


async def receiving_councils(services: PlatformServices, council: TenantContext, service: str) -> list[TenantContext]:
    """The other active councils on the platform that offer this service, by name."""
    found = []
    for other in await services.directory.all():
        if other.slug == council.slug or other.status is not TenantStatus.ACTIVE:
            continue
        if (await services.offerings.for_council(other)).offering(service) is not None:
            found.append(other)
    return sorted(found, key=lambda tenant: tenant.name)


async def transfer_panel(visit: StaffVisit, row: dict[str, Any], links: list[TransferLink]) -> dict[str, Any]:
    """The request page's part: its links, and (while it is open) where it could be sent, the council
    whose area holds its pin first."""
    services = visit.services
    councils = await receiving_councils(services, visit.web.council, row["service"]) if not links else []
    suggested = None
    if row["latitude"] is not None and row["longitude"] is not None and councils:
        locator = await services.boundaries.locator()
        holding = locator.councils_at(float(row["longitude"]), float(row["latitude"]))
        suggested = next((c.slug for c in councils if c.slug in holding), None)
    options = [{"value": "", "label": "Choose a council"}] + [
        {"value": c.slug, "label": c.name + (" (the pin is in its area)" if c.slug == suggested else "")}
        for c in councils
    ]
    return {
        "transfer_links": links,
        "transfer_options": options if councils else [],
        "transfer_suggested": suggested,
        "typed_transfer_note": "",
        "pin_map": pin_map(visit, row),
    }


def pin_map(visit: StaffVisit, row: dict[str, Any]) -> dict[str, Any] | None:
    """The resident's pin on the council's map, where the request has one."""
    if row["latitude"] is None or row["longitude"] is None:
        return None
    return {
        **map_values(visit.web),
        "latitude": f"{float(row['latitude']):.6f}",
        "longitude": f"{float(row['longitude']):.6f}",
    }


@post("/requests/{reference:str}/transfer", opt=requires(Permission.CHANGE_REQUESTS))
async def staff_transfer_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """Send the request to another council on the platform; this council's is closed, pointing to it."""
    from civicshare.staff.pages import request_page

    visit = staff_visit
    services = visit.services
    council = visit.web.council
    form = await visit.web.form()
    chosen = form.get("council", "").strip()
    note = form.get("transfer_note", "").strip()
    errors = text_problems("transfer_note", "Note", note, NOTE_MAX_LENGTH)
    async with tenant_connection(services.database.engine, council) as connection:
        row = await visit.request_row(connection, reference)
    councils = {c.slug: c for c in await receiving_councils(services, council, row["service"])}
    receiver = councils.get(chosen)
    if receiver is None:
        errors.append(FieldError("council", "Choose the council to send this request to"))
    if not errors:
        assert receiver is not None
        try:
            await transfer_request(
                services.database.engine,
                sender=council,
                receiver=receiver,
                sender_offerings=await services.offerings.for_council(council),
                receiver_offerings=await services.offerings.for_council(receiver),
                registry=services.registry,
                reference=row["reference"],
                officer=visit.casework_officer,
                note=note,
            )
        except TransferRefused as refused:
            errors.append(FieldError("council", str(refused)))
        else:
            return visit.redirect(f"/staff/requests/{row['reference']}?done=transferred")
    return await request_page(visit, reference, status=400, errors=errors, typed_transfer_note=note)


HANDLERS = [staff_transfer_request]
