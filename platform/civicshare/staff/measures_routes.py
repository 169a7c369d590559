"""The four service measures over HTTP, and the open-data CSV a council can publish.

On a council's own address:
    GET  /api/v1/savings/measures?from=&to=       the measures as JSON (staff who see savings)
    GET  /api/v1/savings/measures.csv?from=&to=   the open-data CSV (council admins; columns: savings.open_data)
    GET  /api/v1/savings/open-data                whether the council publishes it; PUT {"publish": true|false}
    GET  /open-data/service-measures.csv          the published CSV, for anyone, while the council publishes it:
                                                  the twelve months to today, or ?from=&to=

Periods as in the savings report: ``from`` and ``to`` are days (both included), ten years at most.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.policy import PUBLIC, Actor, Permission, admitted, requires
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.savings.measures import ServiceMeasures
from civicshare.savings.measures_service import council_measures
from civicshare.savings.open_data import OPEN_DATA_PATH, SERVICE_MEASURES, is_published, measures_to_csv, set_published
from civicshare.savings.period import ReportPeriod
from civicshare.services import PlatformServices
from civicshare.staff.savings_routes import PeriodFrom, PeriodTo, report_period
from civicshare.tenancy.context import TenantContext


class OpenDataIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    publish: bool


class OpenDataOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    dataset: str
    published: bool
    public_url: str | None
    """The path on the council's own address where anyone can download it, while published."""


def _csv(measures: ServiceMeasures, period: ReportPeriod, **headers: str) -> Response[str]:
    filename = f"service-measures-{measures.council}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        measures_to_csv(measures),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', **headers},
    )


@get("/api/v1/savings/measures", tags=["savings"], opt=requires(Permission.VIEW_SAVINGS))
async def service_measures(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> ServiceMeasures:
    """Cost per transaction, digital take-up, completion rate and user satisfaction by month and service."""
    period = report_period(period_from, period_to)
    return await services.database.read_council(
        tenant, lambda connection: council_measures(connection, tenant, services.service_flags, period)
    )


@get("/api/v1/savings/measures.csv", tags=["savings"], media_type="text/csv", opt=requires(Permission.MANAGE_COUNCIL))
async def service_measures_csv(
    staff: NamedDependency[Actor],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Response[str]:
    """The open-data CSV of the four measures, to publish (columns: civicshare.savings.open_data)."""
    period = report_period(period_from, period_to)
    measures = await services.database.read_council(
        tenant, lambda connection: council_measures(connection, tenant, services.service_flags, period)
    )
    return _csv(measures, period)


def _open_data_out(published: bool) -> OpenDataOut:
    return OpenDataOut(dataset=SERVICE_MEASURES, published=published, public_url=OPEN_DATA_PATH if published else None)


@get("/api/v1/savings/open-data", tags=["savings"], opt=requires(Permission.MANAGE_COUNCIL))
async def open_data_choice(staff: NamedDependency[Actor], tenant_db: NamedDependency[AsyncConnection]) -> OpenDataOut:
    return _open_data_out(await is_published(tenant_db))


@put("/api/v1/savings/open-data", tags=["savings"], opt=requires(Permission.MANAGE_COUNCIL))
async def choose_open_data(
    data: JSONBody[OpenDataIn], staff: NamedDependency[Actor], tenant_db: NamedDependency[AsyncConnection]
) -> OpenDataOut:
    """Publish the measures at the council's public address, or stop."""
    await set_published(tenant_db, data.publish, staff.name)
    principal = staff.credential
    officer = Officer(principal.subject if isinstance(principal, Principal) else staff.name, staff.name)
    await record_action(tenant_db, officer, "published_open_data" if data.publish else "stopped_open_data", None)
    return _open_data_out(data.publish)


@get(OPEN_DATA_PATH, media_type="text/csv", middleware=[rate_limited(Traffic.TRACKING)], opt=PUBLIC)
async def published_measures(
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Response[str]:
    """The council's published measures, for anyone, while it publishes them."""
    period = report_period(period_from, period_to)

    async def published(connection: AsyncConnection) -> ServiceMeasures | None:
        if not await is_published(connection):
            return None
        return await council_measures(connection, tenant, services.service_flags, period)

    measures = await services.database.read_council(tenant, published)
    if measures is None:
        raise Problem(
            404, "Not published", f"{tenant.name} does not publish its service measures here.", name="not-found"
        )
    return _csv(measures, period, **{"cache-control": "public, max-age=3600"})


def _admitted(request: Request[Any, Any, State]) -> Actor:
    return admitted(request)


measures_router = Router(
    path="/",
    route_handlers=[
        Router(
            path="/",
            route_handlers=[service_measures, service_measures_csv, open_data_choice, choose_open_data],
            dependencies={"staff": Provide(_admitted, sync_to_thread=False)},
        ),
        published_measures,
    ],
)
