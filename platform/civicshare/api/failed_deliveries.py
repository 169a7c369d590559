"""Failed deliveries over HTTP: a council's administrators through the staff API (their council only),
operators through the admin API (every council). Both read one council's schema per request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.notifications.deliveries import FailedDelivery, failed_deliveries, retry_now
from civicshare.policy import Permission, requires
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext

State = Literal["retrying", "dead"]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="at most this many")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="skip this many")]
StateQuery = Annotated[State | None, QueryParameter(name="state", description="retrying or dead")]
SubscriberPath = Annotated[str, PathParameter(max_length=63, description="the subscriber's name")]


class FailedDeliveryView(Struct):
    event_id: int
    event: str  # the stable id every try carried
    kind: str
    reference: str
    service: str
    occurred_at: datetime
    subscriber: str
    state: str  # retrying (tried again automatically) or dead (given up)
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime


class FailedDeliveryPage(Struct):
    council: str
    total: int
    items: list[FailedDeliveryView]


class Retried(Struct):
    council: str
    event_id: int
    subscriber: str
    state: str = "retrying"


def _view(found: FailedDelivery) -> FailedDeliveryView:
    return FailedDeliveryView(
        event_id=found.event_id,
        event=found.stable_id,
        kind=found.kind,
        reference=found.reference,
        service=found.service,
        occurred_at=found.occurred_at,
        subscriber=found.subscriber,
        state=found.state,
        attempts=found.attempts,
        last_error=found.last_error,
        next_attempt_at=found.next_attempt_at,
        updated_at=found.updated_at,
    )


async def failed_page(
    engine: AsyncEngine, tenant: TenantContext, state: State | None, limit: int, offset: int
) -> FailedDeliveryPage:
    async with tenant_connection(engine, tenant) as connection:
        found, total = await failed_deliveries(connection, tenant, state=state, limit=limit, offset=offset)
    return FailedDeliveryPage(council=tenant.slug, total=total, items=[_view(item) for item in found])


async def retry(engine: AsyncEngine, tenant: TenantContext, event_id: int, subscriber: str) -> Retried:
    async with tenant_connection(engine, tenant) as connection:
        retried = await retry_now(connection, tenant, event_id, subscriber)
    if not retried:
        raise Problem(
            404,
            "Failed delivery not found",
            f"{tenant.name} has no failed delivery of event {event_id} to {subscriber}.",
            name="delivery-not-found",
        )
    return Retried(tenant.slug, event_id, subscriber)


@get("/api/v1/staff/failed-deliveries", tags=["staff"], opt=requires(Permission.MANAGE_INTEGRATIONS))
async def staff_failed_deliveries(
    council_admin: NamedDependency[Principal],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    delivery_state: StateQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FailedDeliveryPage:
    """The council's deliveries that failed (retrying or dead), latest first, with why (council admins)."""
    return await failed_page(services.database.engine, tenant, delivery_state, limit, offset)


@post(
    "/api/v1/staff/failed-deliveries/{event_id:int}/{subscriber:str}/retry",
    tags=["staff"],
    status_code=202,
    opt=requires(Permission.MANAGE_INTEGRATIONS),
)
async def staff_retry_delivery(
    council_admin: NamedDependency[Principal],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    event_id: FromPath[int],
    subscriber: SubscriberPath,
) -> Retried:
    """Try a failed delivery again now (council admins)."""
    return await retry(services.database.engine, tenant, event_id, subscriber)


STAFF_DELIVERY_ROUTES = [staff_failed_deliveries, staff_retry_delivery]
