"""What residents wrote in the feedback question on the confirmation page, for the council's staff only
(never in a report or open data), and the council admin's choice to publish the measures as open data.

    GET  /staff/savings/feedback?from=&to=   the period's comments, newest first
    POST /staff/savings/open-data            publish=yes|no (council admins)
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency

from civicshare.casework.service import record_action
from civicshare.db.engine import tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.policy import Permission, requires
from civicshare.savings.feedback import RATING_LABELS, feedback_comments
from civicshare.savings.open_data import SERVICE_MEASURES, set_published
from civicshare.staff.savings_page import chosen_period
from civicshare.staff.visit import StaffVisit

MOST_COMMENTS = 200


@get("/savings/feedback", opt=requires(Permission.VIEW_SAVINGS))
async def feedback_page(staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]) -> Response[Any]:
    visit = staff_visit
    period, errors = chosen_period(dict(request.query_params.items()), uk_today())
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        comments = await feedback_comments(connection, period, limit=MOST_COMMENTS)
    shown = {
        name: {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
        for name, day in (("from", period.start), ("to", period.end))
    }
    return visit.page(
        "staff/feedback.html",
        status=400 if errors else 200,
        title="What residents said about the services",
        current="staff-savings",
        errors=errors,
        shown=shown,
        period=period,
        comments=comments,
        most=MOST_COMMENTS,
        rating_labels=RATING_LABELS,
    )


@post("/savings/open-data", opt=requires(Permission.MANAGE_COUNCIL))
async def publish_open_data(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    publish = form.get("publish", "") == "yes"
    officer = visit.casework_officer
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        await set_published(connection, publish, officer.name)
        action = "published_open_data" if publish else "stopped_open_data"
        await record_action(connection, officer, action, None, dataset=SERVICE_MEASURES)
    return visit.redirect("/staff/savings#service-measures")


HANDLERS = [feedback_page, publish_open_data]
