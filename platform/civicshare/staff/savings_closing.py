"""Closed months in the back office: the council's signed-off months and every closing and reopening,
and, for council admins, closing a month that has ended after a confirmation page.

Closing is the staff API's (``POST /api/v1/savings/closed-months``) in a GOV.UK form: in a shared-service
group it closes the month at every member. Only a platform operator reopens a month (the admin API,
audited); each reopening shows here with its reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from civicshare.db.engine import tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.policy import Permission, requires
from civicshare.savings.closing import MonthError, closable, close_in_group, group_of, parse_month
from civicshare.savings.periods import closed_month_list, month_history, month_name
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.transactions.views import staff_name
from civicshare.web.questions import Option
from civicshare.web.site import FieldError

MONTHS_OFFERED = 24
NOTE_LIMIT = 500


def _months_back(today: date, count: int) -> list[date]:
    """The ``count`` months before this one, newest first."""
    index = today.year * 12 + today.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(1, count + 1)]


async def _months_page(visit: StaffVisit, **values: Any) -> Response[Any]:
    council = visit.web.council
    async with tenant_connection(visit.services.database.engine, council) as connection:
        closed = await closed_month_list(connection)
        history = await month_history(connection)
    shut = {item.month for item in closed}
    options = [
        Option(month.isoformat()[:7], month_name(month))
        for month in _months_back(uk_today(), MONTHS_OFFERED)
        if month not in shut
    ]
    return visit.page(
        "staff/savings_closed_months.html",
        status=400 if values.get("errors") else 200,
        title="Closed months",
        current="staff-savings",
        closed=closed,
        history=list(reversed(history)),
        month_options=options,
        may_close=visit.may(Permission.CLOSE_SAVINGS_MONTHS),
        **{"typed": {}, "errors": [], "just_closed": None, **values},
    )


@get("/savings/closed-months", opt=requires(Permission.VIEW_SAVINGS))
async def closed_months_page(staff_visit: NamedDependency[StaffVisit], closed: FromQuery[str] = "") -> Response[Any]:
    try:
        just_closed = month_name(parse_month(closed)) if closed else None
    except MonthError:
        just_closed = None
    return await _months_page(staff_visit, just_closed=just_closed)


def _checked(form: dict[str, str]) -> tuple[date | None, str | None, list[FieldError]]:
    errors: list[FieldError] = []
    month: date | None = None
    try:
        month = closable(parse_month(form.get("month", "")))
    except MonthError as error:
        errors.append(FieldError("month", str(error) if form.get("month") else "Select the month to close"))
    note = form.get("note", "").strip() or None
    errors += text_problems("note", "The note", note, NOTE_LIMIT)
    return month, note, errors


async def _form(visit: StaffVisit) -> dict[str, str]:
    form = await visit.web.form()
    return {name: form.get(name, "").strip() for name in ("month", "note")}


@post("/savings/closed-months/check", opt=requires(Permission.CLOSE_SAVINGS_MONTHS))
async def check_closing(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    """The confirmation page: what closing the month means, before anything is closed."""
    visit = staff_visit
    typed = await _form(visit)
    month, note, errors = _checked(typed)
    if errors or month is None:
        return await _months_page(visit, typed=typed, errors=errors)
    members = group_of(visit.web.council, await visit.services.directory.all())
    return visit.page(
        "staff/savings_close_month.html",
        title=f"Close {month_name(month)}",
        current="staff-savings",
        month=month.isoformat()[:7],
        month_text=month_name(month),
        note=note or "",
        other_members=[member.name for member in members[1:]],
    )


@post("/savings/closed-months", opt=requires(Permission.CLOSE_SAVINGS_MONTHS))
async def close_month_confirmed(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    typed = await _form(visit)
    month, note, errors = _checked(typed)
    if errors or month is None:
        return await _months_page(visit, typed=typed, errors=errors)
    members = group_of(visit.web.council, await visit.services.directory.all())
    async with visit.services.database.engine.begin() as connection:
        await close_in_group(connection, members, month, by=f"{staff_name(visit.officer)} (council-admin)", note=note)
    return visit.redirect(f"/staff/savings/closed-months?closed={month.isoformat()[:7]}")


HANDLERS = [closed_months_page, check_closing, close_month_confirmed]
