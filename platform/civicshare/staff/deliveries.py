"""What the council's systems and residents were not told: failed deliveries of the council's events,
with why, and "retry now" — for the council's administrators, on the page `/staff/deliveries`."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from civicshare.db.engine import tenant_connection
from civicshare.notifications.deliveries import failed_deliveries, retry_now
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit
from civicshare.web.site import FieldError

PAGE_SIZE = 50
STATES = {"retrying": "Trying again", "dead": "Given up"}
DONE = {"retried": "Delivery will be tried again now"}


async def _page(
    visit: StaffVisit,
    *,
    status: int = 200,
    done: str | None = None,
    errors: list[FieldError] | None = None,
    page: int = 1,
) -> Response[Any]:
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        failed, total = await failed_deliveries(
            connection, visit.web.council, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return visit.page(
        "staff/deliveries.html",
        status=status,
        title="Failed deliveries",
        current="staff-deliveries",
        failed=failed,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        states=STATES,
        done=done,
        errors=errors or [],
    )


@get("/deliveries", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def failed_deliveries_page(
    staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None, page: FromQuery[str | None] = None
) -> Response[Any]:
    number = int(page) if page and page.isdecimal() and 0 < len(page) < 7 else 1
    return await _page(staff_visit, done=DONE.get(done or ""), page=max(1, number))


@post("/deliveries/retry", opt=requires(Permission.MANAGE_INTEGRATIONS))
async def retry_delivery(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    event, subscriber = form.get("event", "").strip(), form.get("subscriber", "").strip()
    retried = False
    if event.isdecimal() and len(event) < 19 and 0 < len(subscriber) <= 63:
        async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
            retried = await retry_now(connection, visit.web.council, int(event), subscriber)
    if not retried:
        errors = [FieldError("event", "That delivery is no longer waiting to be retried")]
        return await _page(visit, status=400, errors=errors)
    return visit.redirect("/staff/deliveries?done=retried")


HANDLERS = [failed_deliveries_page, retry_delivery]
