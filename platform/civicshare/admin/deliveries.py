"""Failed deliveries of every council's events, for operators: a summary across councils, each
council's list with why, and "retry now". Each council's rows are read in its own schema."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter
from msgspec import Struct
from sqlalchemy import func, select

from civicshare.admin.errors import not_found
from civicshare.admin.operators import CHANGES, READS
from civicshare.api.failed_deliveries import (
    FailedDeliveryPage,
    Limit,
    Offset,
    Retried,
    StateQuery,
    SubscriberPath,
    failed_page,
    retry,
)
from civicshare.db.engine import tenant_connection
from civicshare.notifications.tables import event_deliveries
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.records import load_tenant_context

Services = NamedDependency[PlatformServices]
SlugPath = Annotated[str, PathParameter(description="the council's slug", max_length=63)]


class CouncilFailures(Struct):
    council: str
    retrying: int
    dead: int


class FailuresSummary(Struct):
    items: list[CouncilFailures]


async def _council(services: PlatformServices, slug: str) -> TenantContext:
    async with services.database.engine.connect() as connection:
        tenant = await load_tenant_context(connection, slug)
    if tenant is None:
        raise not_found("Council", f"There is no council {slug}.")
    return tenant


@get(
    "/failed-deliveries", summary="Councils with failed deliveries: how many are retrying and how many dead", opt=READS
)
async def failed_deliveries_summary(services: Services) -> FailuresSummary:
    counted = (
        select(event_deliveries.c.state, func.count())
        .where(event_deliveries.c.state.in_(("retrying", "dead")))
        .group_by(event_deliveries.c.state)
    )
    items = []
    for tenant in await services.directory.all():
        async with tenant_connection(services.database.engine, tenant) as connection:
            counts: dict[str, int] = {state: int(n) for state, n in await connection.execute(counted)}
        if counts:
            items.append(CouncilFailures(tenant.slug, counts.get("retrying", 0), counts.get("dead", 0)))
    return FailuresSummary(items=items)


@get(
    "/councils/{slug:str}/failed-deliveries", summary="A council's failed deliveries, latest first, with why", opt=READS
)
async def council_failed_deliveries(
    services: Services, slug: SlugPath, delivery_state: StateQuery = None, limit: Limit = 50, offset: Offset = 0
) -> FailedDeliveryPage:
    tenant = await _council(services, slug)
    return await failed_page(services.database.engine, tenant, delivery_state, limit, offset)


@post(
    "/councils/{slug:str}/failed-deliveries/{event_id:int}/{subscriber:str}/retry",
    summary="Try a failed delivery again now",
    status_code=202,
    opt=CHANGES,
)
async def retry_council_delivery(
    services: Services, slug: SlugPath, event_id: FromPath[int], subscriber: SubscriberPath
) -> Retried:
    tenant = await _council(services, slug)
    return await retry(services.database.engine, tenant, event_id, subscriber)


HANDLERS = [failed_deliveries_summary, council_failed_deliveries, retry_council_delivery]
