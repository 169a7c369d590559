"""The council's savings dashboard in the back office: the share done online, the channel mix and the
savings added up (SVG charts, each with its figures as a table), for a period chosen with GOV.UK date
inputs. Links from before (`?from=YYYY-MM-DD&to=YYYY-MM-DD`) still work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.http.heavy_lane import heavy
from civicshare.modules.working_days import uk_today
from civicshare.policy import Permission, requires
from civicshare.savings.dashboard import council_dashboard_parts
from civicshare.savings.measures_dashboard import measures_dashboard_parts
from civicshare.savings.measures_service import council_measures
from civicshare.savings.open_data import OPEN_DATA_PATH, is_published
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping
from civicshare.savings.reporting import council_savings, default_period
from civicshare.staff.visit import StaffVisit
from civicshare.web.site import FieldError

MOST_YEARS = 10
LABELS = {"from": "Start date", "to": "End date"}


def _day(query: Mapping[str, str], name: str, errors: list[FieldError]) -> date | None:
    """A date from the GOV.UK date input's three boxes (`from-day`...), or from `from=YYYY-MM-DD`."""
    label = LABELS[name]
    parts = [query.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        whole = query.get(name, "").strip()
        if not whole:
            return None
        try:
            return date.fromisoformat(whole)
        except ValueError:
            errors.append(FieldError(name, f"{label} must be a real date", target=f"{name}-day"))
            return None
    if not all(parts):
        errors.append(FieldError(name, f"{label} must include a day, month and year", target=f"{name}-day"))
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors.append(FieldError(name, f"{label} must be a real date", target=f"{name}-day"))
        return None


def chosen_period(query: Mapping[str, str], today: date) -> tuple[ReportPeriod, list[FieldError]]:
    """The period asked for, or the twelve months to today for whatever could not be read."""
    errors: list[FieldError] = []
    start, end = _day(query, "from", errors), _day(query, "to", errors)
    end = end or today
    start = start or default_period(end).start
    if end < start:
        errors.append(FieldError("to", "End date must be the same as or after the start date", target="to-day"))
        start, end = default_period(today).start, today
    elif (end - start).days > 366 * MOST_YEARS:
        errors.append(FieldError("from", f"The period can be {MOST_YEARS} years at most", target="from-day"))
        start, end = default_period(today).start, today
    return ReportPeriod(start=start, end=end), errors


@get("/savings", opt=requires(Permission.VIEW_SAVINGS), middleware=[heavy()])
async def savings_dashboard(
    staff_visit: NamedDependency[StaffVisit], request: Request[Any, Any, State]
) -> Response[Any]:
    visit = staff_visit
    council = visit.web.council
    period, errors = chosen_period(dict(request.query_params.items()), uk_today())

    async def figures(connection: AsyncConnection) -> dict[str, Any]:
        # By service too: the four measures are worked out from the same report (month_rows adds services up).
        savings = await council_savings(
            connection,
            council,
            visit.services.service_flags,
            period,
            group_by=(Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL),
        )
        measures = await council_measures(
            connection, council, visit.services.service_flags, period, report=savings.report
        )
        # The charts are drawn once with the figures, and remembered with them.
        return {**council_dashboard_parts(savings), **measures_dashboard_parts(measures)}

    async def remembered(connection: AsyncConnection) -> tuple[dict[str, Any], bool]:
        parts = await visit.services.savings_dashboards.report(
            connection, council, visit.services.service_flags, ("dashboard", period), lambda: figures(connection)
        )
        return parts, await is_published(connection)

    parts, published = await visit.services.database.read_council(council, remembered)
    query = f"?from={period.start.isoformat()}&to={period.end.isoformat()}"
    shown = {
        name: {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
        for name, day in (("from", period.start), ("to", period.end))
    }
    return visit.page(
        "staff/savings.html",
        status=400 if errors else 200,
        title="Savings from online services",
        current="staff-savings",
        errors=errors,
        shown=shown,
        csv_link=visit.web.url(f"/api/v1/savings/report.csv{query}"),
        json_link=visit.web.url(f"/api/v1/savings/report{query}&group_by=month,service"),
        **parts,
        open_data_link=(
            visit.web.url(f"/api/v1/savings/measures.csv{query}") if visit.may(Permission.MANAGE_COUNCIL) else None
        ),
        public_link=visit.web.url(OPEN_DATA_PATH) if published else None,
    )


HANDLERS = [savings_dashboard]
