"""Savings over HTTP. Thin handlers: parse, call the savings services, shape the answer.

Each handler declares its permission (``civicshare.policy``): VIEW_SAVINGS or EDIT_SAVINGS_INPUTS at a
council, VIEW_PLATFORM for operators.

On a council's own address (its staff):
    GET  /api/v1/savings/report?from=&to=&group_by=month,service,channel   the report as JSON
    GET  /api/v1/savings/report.csv?from=&to=                               month x service x channel CSV
    GET  /api/v1/savings/unit-costs        POST the same: set a cost from a date
    GET  /api/v1/savings/baseline          PUT  /api/v1/savings/baseline/{service}
    POST /api/v1/savings/baseline/derive   work each service's mix out from counts before a date
    POST /api/v1/savings/offline-contacts  a CSV of offline contact counts (text/csv body); all or nothing
                                           unless ?partial=true
    GET  /api/v1/savings/closed-months     POST the same: close a month (council admins)

Reports, CSV files and dashboards read from the read replica while it is fresh (``Database.read``).

On the platform's own address only (operators; the same paths at a council's address are not found):
    GET  /ops/savings?from=&to=            every council side by side (HTML)
    GET  /ops/savings/overview             the same as JSON, with the platform's totals
    GET  /ops/savings/councils/{slug}/report[.csv]
    GET  /ops/savings/groups/{slug}        a shared-service group with the platform cost shared out

Periods: ``from`` and ``to`` are days (both included); without them, the twelve months to today.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from litestar import MediaType, Request, Response, Router, get, post, put
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.http.heavy_lane import heavy
from civicshare.http.problems import Problem
from civicshare.policy import Actor, Permission, admitted, requires
from civicshare.savings.baseline import BaselineMix, BaselineVolume, baseline_mix_from_counts
from civicshare.savings.channels import Channel
from civicshare.savings.closing import MonthError, closable, close_in_group, group_of, parse_month
from civicshare.savings.costs import UnitCostOverride
from civicshare.savings.csv_export import report_to_csv
from civicshare.savings.dashboard import operator_dashboard
from civicshare.savings.measures_service import MEASURES_GROUPING, council_measures
from civicshare.savings.offline_import import OfflineImport, parse_offline_contacts
from civicshare.savings.operators import PlatformOverview
from civicshare.savings.period import ReportPeriod
from civicshare.savings.periods import ClosedMonthError, closed_month_list
from civicshare.savings.report import Grouping, regrouped
from civicshare.savings.reporting import (
    AvoidedContactChoice,
    CouncilSavings,
    GroupNotFoundError,
    GroupSavings,
    council_savings,
    default_period,
    group_savings,
    platform_savings,
)
from civicshare.savings.schemas import (
    BaselineIn,
    BaselineOut,
    BaselinesOut,
    ClosedMonthOut,
    ClosedMonthsOut,
    CloseMonthIn,
    DeriveBaselineIn,
    OfflineImportOut,
    RejectedRowOut,
    UnitCostIn,
    UnitCostOut,
    UnitCostsOut,
)
from civicshare.savings.service import (
    UnitCostExistsError,
    change_unit_cost,
    council_baseline,
    council_unit_costs,
    derive_and_store_baseline,
    set_baseline,
    store_offline_import,
    uk_day,
)
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

MAX_PERIOD_DAYS = 366 * 10
CSV_GROUPING = (Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL)

PeriodFrom = Annotated[date | None, QueryParameter(name="from", required=False, description="first day, YYYY-MM-DD")]
PeriodTo = Annotated[date | None, QueryParameter(name="to", required=False, description="last day, YYYY-MM-DD")]
GroupBy = Annotated[
    str, QueryParameter(name="group_by", description="comma-separated: month, service, channel; empty for totals only")
]
AvoidanceRate = Annotated[Decimal, QueryParameter(description="share of online contacts that avoided one, 0 to 1")]
AvoidedChannel = Annotated[Channel, QueryParameter(description="the channel an avoided contact would have used")]
Sessions = Annotated[
    int | None, QueryParameter(ge=0, required=False, description="default: the period's online contacts")
]


def _unprocessable(title: str, detail: str) -> Problem:
    return Problem(422, title, detail, name="invalid-savings-request")


def month_closed(error: ClosedMonthError) -> Problem:
    """409 naming the closed months a change would alter."""
    return Problem(
        409,
        "Month closed",
        str(error),
        name="month-closed",
        extra={"closed_months": [month.isoformat()[:7] for month in error.months]},
    )


def report_period(start: date | None, end: date | None) -> ReportPeriod:
    end = end or uk_day(datetime.now(UTC))
    start = start or default_period(end).start
    if end < start:
        raise _unprocessable("Invalid period", "The 'to' date must be the same as or after the 'from' date.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise _unprocessable("Invalid period", "A report can cover at most ten years.")
    return ReportPeriod(start=start, end=end)


def groupings(text: str) -> tuple[Grouping, ...]:
    chosen = []
    for part in (part.strip().lower() for part in text.split(",")):
        if not part:
            continue
        try:
            chosen.append(Grouping(part))
        except ValueError:
            raise _unprocessable(
                "Invalid grouping", f"group_by takes month, service and channel, separated by commas, not {part!r}."
            ) from None
    return tuple(chosen)


def _csv_response(council: TenantContext, period: ReportPeriod, csv_text: str) -> Response[str]:
    filename = f"savings-{council.slug}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    disposition = {"content-disposition": f'attachment; filename="{filename}"'}
    return Response(csv_text, media_type="text/csv; charset=utf-8", headers=disposition)


# --- staff, on the council's own address ----------------------------------------------------------


@get("/api/v1/savings/report", tags=["savings"], opt=requires(Permission.VIEW_SAVINGS), middleware=[heavy()])
async def savings_report(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    group_by: GroupBy = "month",
    avoidance_rate: AvoidanceRate = Decimal("0.2"),
    avoided_channel: AvoidedChannel = Channel.PHONE,
    sessions: Sessions = None,
) -> Response[CouncilSavings]:
    """The council's savings for a period: volumes, online shares, costs, savings and avoided contacts."""
    if not 0 <= avoidance_rate <= 1:
        raise _unprocessable("Invalid avoidance rate", "avoidance_rate is a share of contacts, from 0 to 1.")
    period = report_period(period_from, period_to)
    grouping = groupings(group_by)
    avoided = AvoidedContactChoice(avoidance_rate=avoidance_rate, avoided_channel=avoided_channel, sessions=sessions)

    async def report(connection: AsyncConnection) -> CouncilSavings:
        # Worked out by month and service, which the measures need (and whatever else is asked), then
        # grouped as asked: one report, not one for the measures and another for the answer.
        worked_out_by = {*MEASURES_GROUPING, *grouping}
        savings = await council_savings(
            connection, tenant, services.service_flags, period, group_by=worked_out_by, avoided=avoided
        )
        measures = await council_measures(connection, tenant, services.service_flags, period, report=savings.report)
        return savings.model_copy(update={"report": regrouped(savings.report, grouping), "measures": measures})

    async def encoded(connection: AsyncConnection) -> bytes:
        # The same bytes Litestar would send for the model, encoded once for as long as it is remembered.
        return (await report(connection)).model_dump_json().encode()

    async def remembered(engine: AsyncEngine) -> bytes:
        asked = ("report", period, grouping, avoided)
        return await services.savings_reports.report_from(engine, tenant, services.service_flags, asked, encoded)

    body = await services.database.read(remembered)
    # Documented as the CouncilSavings it encodes: a Response's type argument is what OpenAPI shows.
    return Response(body, media_type=MediaType.JSON)  # type: ignore[arg-type]


async def _csv_report(council: TenantContext, services: PlatformServices, period: ReportPeriod) -> Response[str]:
    async def report(connection: AsyncConnection) -> CouncilSavings:
        savings = await council_savings(
            connection, council, services.service_flags, period, group_by=CSV_GROUPING, avoided=None,
            with_savings_to_date=False,
        )  # fmt: skip
        measures = await council_measures(connection, council, services.service_flags, period, report=savings.report)
        return savings.model_copy(update={"measures": measures})

    async def csv_text(connection: AsyncConnection) -> str:
        savings = await report(connection)
        # years of months x services x channels
        return await asyncio.to_thread(report_to_csv, savings.report, savings.measures)

    async def remembered(engine: AsyncEngine) -> str:
        return await services.savings_reports.report_from(
            engine, council, services.service_flags, ("csv", period), csv_text
        )

    return _csv_response(council, period, await services.database.read(remembered))


@get(
    "/api/v1/savings/report.csv",
    tags=["savings"],
    media_type="text/csv",
    opt=requires(Permission.VIEW_SAVINGS),
    middleware=[heavy()],
)
async def savings_report_csv(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Response[str]:
    """The report as CSV, one row per month, service and channel (columns: civicshare.savings.csv_export)."""
    return await _csv_report(tenant, services, report_period(period_from, period_to))


async def _unit_costs_out(connection: AsyncConnection, tenant: TenantContext) -> UnitCostsOut:
    costs = await council_unit_costs(connection, tenant)
    return UnitCostsOut(
        defaults=dict(costs.schedule.defaults),
        overrides=[
            UnitCostOut(
                channel=override.channel,
                unit_cost=override.unit_cost,
                effective_from=override.effective_from,
                service=override.service,
                source=costs.sources[(override.channel, override.service, override.effective_from)],
            )
            for override in costs.schedule.overrides
        ],
    )


def _check_service(services: PlatformServices, tenant: TenantContext, service: str | None) -> None:
    if service is not None and service not in services.service_flags.service_flags(tenant.slug):
        raise _unprocessable("Unknown service", f"{service!r} is not a service {tenant.name} offers on the platform.")


@get("/api/v1/savings/unit-costs", tags=["savings"], opt=requires(Permission.VIEW_SAVINGS))
async def unit_costs(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
) -> UnitCostsOut:
    """The unit costs reports use: defaults per channel, then effective-dated overrides."""
    return await _unit_costs_out(tenant_db, tenant)


@post("/api/v1/savings/unit-costs", tags=["savings"], status_code=201, opt=requires(Permission.EDIT_SAVINGS_INPUTS))
async def add_unit_cost(
    data: JSONBody[UnitCostIn],
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> UnitCostsOut:
    """Set the council's cost of a contact on a channel from a date (the same start date replaces it)."""
    _check_service(services, tenant, data.service)
    override = UnitCostOverride(
        channel=data.channel, unit_cost=data.unit_cost, effective_from=data.effective_from, service=data.service
    )
    try:
        await change_unit_cost(tenant_db, tenant, override, note=data.note, replace=data.replace)
    except UnitCostExistsError as error:
        raise Problem(409, "Unit cost already set", str(error), name="unit-cost-exists") from None
    except ClosedMonthError as error:
        raise month_closed(error) from None
    return await _unit_costs_out(tenant_db, tenant)


async def _baselines_out(connection: AsyncConnection) -> BaselinesOut:
    stored = await council_baseline(connection)
    return BaselinesOut(
        services=[
            BaselineOut(
                service=item.service,
                shares=dict(item.mix.shares),
                source=item.source,
                measured_from=item.measured_from,
                measured_before=item.measured_before,
                contacts=dict(item.volume.contacts) if item.volume else None,
                window_days=item.volume.days if item.volume else None,
            )
            for item in stored.values()
        ]
    )


@get("/api/v1/savings/baseline", tags=["savings"], opt=requires(Permission.VIEW_SAVINGS))
async def baseline(staff: NamedDependency[Actor], tenant_db: NamedDependency[AsyncConnection]) -> BaselinesOut:
    """Each service's channel mix before the platform, which savings are measured against."""
    return await _baselines_out(tenant_db)


@put("/api/v1/savings/baseline/{service:str}", tags=["savings"], opt=requires(Permission.EDIT_SAVINGS_INPUTS))
async def set_service_baseline(
    service: FromPath[str],
    data: JSONBody[BaselineIn],
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
) -> BaselinesOut:
    """Set one service's baseline mix; the shares must add up to exactly 1."""
    _check_service(services, tenant, service)
    too_precise = [channel.value for channel, share in data.shares.items() if _decimal_places(share) > SHARE_PLACES]
    if too_precise:
        # Stored to 9 places, such shares would no longer add up to 1; rounding them here would change
        # what the council said, so it is asked to round them itself.
        raise _unprocessable(
            "Invalid baseline",
            f"Give each share to at most {SHARE_PLACES} decimal places (shares add up to exactly 1 as"
            f" stored); {', '.join(too_precise)} has more.",
        )
    try:
        mix = BaselineMix(shares=data.shares)
    except ValidationError as error:
        raise _unprocessable("Invalid baseline", error.errors()[0]["msg"].removeprefix("Value error, ")) from None
    volume = _baseline_volume(data, mix)
    try:
        await set_baseline(
            tenant_db,
            service,
            mix,
            measured_from=data.measured_from,
            measured_before=data.measured_before,
            volume=volume,
        )
    except ClosedMonthError as error:
        raise month_closed(error) from None
    return await _baselines_out(tenant_db)


SHARE_PLACES = 9  # baseline_mixes.share is NUMERIC(12, 9)


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _baseline_volume(data: BaselineIn, mix: BaselineMix) -> BaselineVolume | None:
    """The contacts a set baseline was measured from, checked against its dates and shares."""
    start, end = data.measured_from, data.measured_before
    if start is not None and end is not None and start >= end:
        raise _unprocessable("Invalid baseline", "'measured_from' must be before 'measured_before'.")
    if data.contacts is None:
        return None
    if data.measured_from is None or data.measured_before is None:
        raise _unprocessable(
            "Invalid baseline",
            "Contacts need the dates they were counted between: 'measured_from' and 'measured_before'.",
        )
    if sum(data.contacts.values()) == 0:
        raise _unprocessable("Invalid baseline", "The contacts add up to 0.")
    if baseline_mix_from_counts(data.contacts).shares != {c: s for c, s in mix.shares.items() if s}:
        raise _unprocessable("Invalid baseline", "The shares are not the mix of the contacts given.")
    days = (data.measured_before - data.measured_from).days
    return BaselineVolume(contacts=data.contacts, days=days, measured_before=data.measured_before)


@post(
    "/api/v1/savings/baseline/derive", tags=["savings"], status_code=200, opt=requires(Permission.EDIT_SAVINGS_INPUTS)
)
async def derive_service_baselines(
    data: JSONBody[DeriveBaselineIn],
    staff: NamedDependency[Actor],
    tenant_db: NamedDependency[AsyncConnection],
) -> BaselinesOut:
    """Work out and store each service's mix from its contacts before a date (imported and online)."""
    if data.since is not None and data.since >= data.before:
        raise _unprocessable("Invalid period", "'since' must be before 'before'.")
    try:
        await derive_and_store_baseline(tenant_db, before=data.before, since=data.since)
    except ClosedMonthError as error:
        raise month_closed(error) from None
    return await _baselines_out(tenant_db)


def _read_offline_contacts(body: bytes, known_services: set[str], today: date) -> OfflineImport:
    return parse_offline_contacts(body.decode("utf-8"), known_services=known_services, today=today)


def _rejected_rows(parsed: OfflineImport) -> list[RejectedRowOut]:
    return [
        RejectedRowOut(line=row.line, values=list(row.values), reasons=list(row.reasons)) for row in parsed.rejected
    ]


@post(
    "/api/v1/savings/offline-contacts",
    tags=["savings"],
    status_code=200,
    responses={
        422: ResponseSpec(
            dict[str, Any], description="problem+json: the file has bad rows (each with its reasons); nothing stored"
        ),
        409: ResponseSpec(dict[str, Any], description="problem+json: the file has counts for a closed month"),
    },
    opt=requires(Permission.EDIT_SAVINGS_INPUTS),
)
async def import_offline_contacts(
    request: Request[Any, Any, State],
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
    services: NamedDependency[PlatformServices],
    source: Annotated[str, QueryParameter(max_length=255)] = "upload",
    partial: Annotated[
        bool, QueryParameter(description="store the good rows of a file with bad rows, and list the rows skipped")
    ] = False,
) -> Response[OfflineImportOut]:
    """Import a CSV (date, service, channel, count) of offline contacts. Each count replaces any earlier
    count for its date, service and channel, so importing the same file again changes nothing. A file
    with bad rows is refused whole (422, every bad row with its reasons) unless ``partial=true``, which
    stores the good rows and lists the rows skipped. Counts for a closed month are refused (409)."""
    csv_file = await request.body()
    known_services = set(services.service_flags.service_flags(tenant.slug))
    try:
        # Off the event loop: a contact centre's years of counts take seconds to check, and every other
        # council's requests are served by this loop meanwhile.
        parsed = await asyncio.to_thread(_read_offline_contacts, csv_file, known_services, uk_day(datetime.now(UTC)))
    except UnicodeDecodeError:
        raise _unprocessable("Invalid file", "The file must be CSV text in UTF-8.") from None
    if parsed.rejected and (not partial or not parsed.accepted):
        bad = len(parsed.rejected)
        raise Problem(
            422,
            "The file has rows that cannot be imported",
            f"{bad} row{'s' if bad != 1 else ''} cannot be imported, so nothing was stored. Fix them and send"
            " the file again, or send it with partial=true to store the other rows.",
            name="invalid-offline-contacts",
            extra={
                "accepted": 0,
                "rejected": bad,
                "rejected_rows": [row.model_dump() for row in _rejected_rows(parsed)],
            },
        )
    try:
        stored = await store_offline_import(tenant_db, parsed, source=source, imported_by=staff.name)
    except ClosedMonthError as error:
        raise month_closed(error) from None
    body = OfflineImportOut(
        accepted=stored.accepted,
        rejected=stored.rejected,
        changed=stored.changed,
        already_imported=stored.already_imported,
        rejected_rows=_rejected_rows(parsed),
    )
    return Response(body, status_code=200)


@get("/api/v1/savings/closed-months", tags=["savings"], opt=requires(Permission.VIEW_SAVINGS))
async def closed_months(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    tenant_db: NamedDependency[AsyncConnection],
) -> ClosedMonthsOut:
    """The council's closed months: their figures change only after an operator reopens them."""
    return await _closed_months_out(tenant_db)


async def _closed_months_out(connection: AsyncConnection) -> ClosedMonthsOut:
    return ClosedMonthsOut(
        closed=[
            ClosedMonthOut(
                month=item.month.isoformat()[:7], closed_at=item.closed_at, closed_by=item.closed_by,
                closed_for=item.closed_for, note=item.note,
            )
            for item in await closed_month_list(connection)
        ]
    )  # fmt: skip


@post(
    "/api/v1/savings/closed-months",
    tags=["savings"],
    status_code=200,
    opt=requires(Permission.CLOSE_SAVINGS_MONTHS),
)
async def close_savings_month(
    data: JSONBody[CloseMonthIn],
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
) -> ClosedMonthsOut:
    """Close a month that has ended (council admins). In a shared-service group it closes for every member,
    whose shared cost depends on each member's figures. Only an operator can reopen it."""
    try:
        month = closable(parse_month(data.month))
    except MonthError as error:
        raise _unprocessable("Invalid month", str(error)) from None
    members = group_of(tenant, await services.directory.all())
    async with services.database.engine.begin() as connection:
        await close_in_group(connection, members, month, by=f"{staff.name} (council-admin)", note=data.note)
    async with tenant_connection(services.database.engine, tenant) as connection:
        return await _closed_months_out(connection)


# --- operators, on the platform's own address -----------------------------------------------------


async def _council(services: PlatformServices, slug: str) -> TenantContext:
    council = await services.directory.by_slug(slug)
    if council is None:
        raise Problem(404, "Council not found", f"There is no council called {slug!r}.", name="unknown-council")
    return council


async def _names(services: PlatformServices) -> dict[str, str]:
    return {council.slug: council.name for council in await services.directory.all()}


@get("/ops/savings", media_type=MediaType.HTML, include_in_schema=False, opt=requires(Permission.VIEW_PLATFORM))
async def operator_savings_dashboard(
    operator: NamedDependency[Actor],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> str:
    period = report_period(period_from, period_to)
    overview = await services.database.read(lambda engine: platform_savings(engine, period, services.service_flags))
    return operator_dashboard(overview, await _names(services))


@get(
    "/ops/savings/overview", tags=["savings (operators)"], opt=requires(Permission.VIEW_PLATFORM), middleware=[heavy()]
)
async def operator_savings_overview(
    operator: NamedDependency[Actor],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> PlatformOverview:
    """Every council's figures side by side, and the platform's totals."""
    period = report_period(period_from, period_to)
    return await services.database.read(lambda engine: platform_savings(engine, period, services.service_flags))


@get("/ops/savings/councils/{slug:str}/report", tags=["savings (operators)"], opt=requires(Permission.VIEW_PLATFORM))
async def operator_council_report(
    slug: FromPath[str],
    operator: NamedDependency[Actor],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    group_by: GroupBy = "month",
) -> CouncilSavings:
    """One council's report, as its staff see it."""
    council = await _council(services, slug)
    period, grouping = report_period(period_from, period_to), groupings(group_by)
    return await services.database.read_council(
        council,
        lambda connection: council_savings(connection, council, services.service_flags, period, group_by=grouping),
    )


@get(
    "/ops/savings/councils/{slug:str}/report.csv",
    tags=["savings (operators)"],
    media_type="text/csv",
    opt=requires(Permission.VIEW_PLATFORM),
)
async def operator_council_report_csv(
    slug: FromPath[str],
    operator: NamedDependency[Actor],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Response[str]:
    council = await _council(services, slug)
    return await _csv_report(council, services, report_period(period_from, period_to))


@get("/ops/savings/groups/{slug:str}", tags=["savings (operators)"], opt=requires(Permission.VIEW_PLATFORM))
async def operator_group_report(
    slug: FromPath[str],
    operator: NamedDependency[Actor],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> GroupSavings:
    """A shared-service group: each member's figures, the group's total and the platform cost shared out."""
    period = report_period(period_from, period_to)
    try:
        return await services.database.read(lambda engine: group_savings(engine, slug, period, services.service_flags))
    except GroupNotFoundError:
        raise Problem(
            404, "Group not found", f"There is no shared-service group {slug!r} with councils.", name="unknown-group"
        ) from None
    except ValueError as error:
        raise _unprocessable("Group cannot be reported", str(error)) from None


def _admitted(request: Request[Any, Any, State]) -> Actor:
    return admitted(request)


async def _platform_address_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.scope.get(TENANT_SCOPE_KEY) is not None:
        raise Problem(404, "Not found", "Operator pages are only on the platform's own address.", name="not-found")


_staff_router = Router(
    path="/",
    route_handlers=[
        savings_report,
        savings_report_csv,
        unit_costs,
        add_unit_cost,
        baseline,
        set_service_baseline,
        derive_service_baselines,
        import_offline_contacts,
        closed_months,
        close_savings_month,
    ],
    dependencies={"staff": Provide(_admitted, sync_to_thread=False)},
)
_operator_router = Router(
    path="/",
    route_handlers=[
        operator_savings_dashboard,
        operator_savings_overview,
        operator_council_report,
        operator_council_report_csv,
        operator_group_report,
    ],
    guards=[_platform_address_only],
    dependencies={"operator": Provide(_admitted, sync_to_thread=False)},
)
savings_router = Router(path="/", route_handlers=[_staff_router, _operator_router])
