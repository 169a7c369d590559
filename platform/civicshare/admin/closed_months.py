"""Closed savings months through the admin API (/admin/v1/councils/{slug}/closed-months).

Operators list, close and reopen a council's months. Reopening needs a reason; in a shared-service
group it reopens the month at every member, and the operator audit log gets an entry for each of them,
beside each council's own record of the reopening (``savings.periods``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.admin import audit
from civicshare.admin.errors import invalid, not_found
from civicshare.admin.operators import CHANGES, READS
from civicshare.admin.schemas import Wire
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.policy.operators import Operator
from civicshare.savings.closing import MonthError, closable, close_in_group, group_of, parse_month, reopen_in_group
from civicshare.savings.periods import ClosedMonthError, closed_month_list, month_history, refuse_unit_cost_change
from civicshare.savings.service import council_definition, council_unit_costs
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.definitions import TenantDefinition

Services = NamedDependency[PlatformServices]


class ClosedMonthResource(Wire):
    month: str
    closed_at: datetime
    closed_by: str
    closed_for: str | None = Field(description="the group member whose admin closed it, when not this council")
    note: str | None


class MonthEvent(Wire):
    month: str
    action: Literal["closed", "reopened"]
    by: str
    reason: str | None
    at: datetime


class ClosedMonths(Wire):
    council: str
    closed: list[ClosedMonthResource]
    history: list[MonthEvent]


class CloseMonthBody(Wire):
    month: str = Field(description="YYYY-MM, a month that has ended")
    note: str | None = Field(default=None, max_length=500)


class ReopenMonthBody(Wire):
    reason: str = Field(min_length=3, max_length=500, description="why the signed-off figures must change")


class MonthChange(Wire):
    month: str
    councils: list[str] = Field(description="the councils where the month changed (the whole group)")


def _month_text(month: date) -> str:
    return month.isoformat()[:7]


async def _council(services: PlatformServices, slug: str) -> TenantContext:
    council = await services.directory.by_slug(slug)
    if council is None:
        raise not_found("Council", f"There is no council {slug!r}.")
    return council


def _month(text: str, field: str, *, ended: bool) -> date:
    try:
        month = parse_month(text)
        return closable(month) if ended else month
    except MonthError as error:
        raise invalid([(field, str(error))]) from None


async def closed_months_of(services: PlatformServices, council: TenantContext) -> ClosedMonths:
    async with tenant_connection(services.database.engine, council) as connection:
        closed = await closed_month_list(connection)
        history = await month_history(connection)
    return ClosedMonths(
        council=council.slug,
        closed=[
            ClosedMonthResource(
                month=_month_text(item.month), closed_at=item.closed_at, closed_by=item.closed_by,
                closed_for=item.closed_for, note=item.note,
            )
            for item in closed
        ],
        history=[MonthEvent.model_validate({**event, "month": _month_text(event["month"])}) for event in history],  # type: ignore[arg-type]
    )  # fmt: skip


@get("/councils/{slug:str}/closed-months", summary="A council's closed savings months, and their history", opt=READS)
async def list_closed_months(services: Services, slug: FromPath[str]) -> ClosedMonths:
    return await closed_months_of(services, await _council(services, slug))


@post(
    "/councils/{slug:str}/closed-months",
    status_code=200,
    summary="Close a savings month (the whole group's)",
    opt=CHANGES,
)
async def operator_close_month(
    services: Services, operator: NamedDependency[Operator], slug: FromPath[str], data: JSONBody[CloseMonthBody]
) -> MonthChange:
    council = await _council(services, slug)
    month = _month(data.month, "month", ended=True)
    members = group_of(council, await services.directory.all())
    async with services.database.engine.begin() as connection:
        closed = await close_in_group(connection, members, month, by=f"operator {operator.name}", note=data.note)
        for member in closed:
            await audit.record(
                connection, operator, "savings.month_closed", council=member, after={"month": _month_text(month)}
            )
    return MonthChange(month=_month_text(month), councils=closed)


@post(
    "/councils/{slug:str}/closed-months/{month:str}/reopen",
    status_code=200,
    summary="Reopen a closed savings month (audited at every member of the group)",
    opt=CHANGES,
)
async def operator_reopen_month(
    services: Services,
    operator: NamedDependency[Operator],
    slug: FromPath[str],
    month: FromPath[str],
    data: JSONBody[ReopenMonthBody],
) -> MonthChange:
    council = await _council(services, slug)
    first = _month(month, "month", ended=False)
    members = group_of(council, await services.directory.all())
    async with services.database.engine.begin() as connection:
        reopened = await reopen_in_group(connection, members, first, by=f"operator {operator.name}", reason=data.reason)
        if not reopened:
            raise not_found("Closed month", f"{_month_text(first)} is not closed at {council.name}.")
        for member in reopened:
            await audit.record(
                connection, operator, "savings.month_reopened", council=member,
                before={"month": _month_text(first), "closed": True},
                after={"month": _month_text(first), "closed": False, "reason": data.reason, "asked_at": slug},
            )  # fmt: skip
    return MonthChange(month=_month_text(first), councils=reopened)


async def refuse_repricing_closed_months(
    connection: AsyncConnection, council: TenantContext, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """409 if a change to the council's definition would price a closed month differently.

    Call it on the council's routed connection and keep that transaction open until the change has
    committed: its lock keeps a month from being closed in between."""
    changed = change(dict(await council_definition(connection, council)))
    try:
        TenantDefinition.model_validate(changed)
    except ValidationError:
        return  # the change itself answers 422
    before = await council_unit_costs(connection, council)
    after = await council_unit_costs(connection, council, definition=changed)
    try:
        await refuse_unit_cost_change(connection, before.schedule, after.schedule, "This change of unit costs")
    except ClosedMonthError as error:
        raise Problem(
            409, "Month closed", str(error), name="month-closed",
            extra={"closed_months": [_month_text(month) for month in error.months]},
        ) from None  # fmt: skip


HANDLERS = [list_closed_months, operator_close_month, operator_reopen_month]
