"""Dependencies every interface uses: the platform's services, the council, a routed connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY


def provide_services(state: State) -> PlatformServices:
    services: PlatformServices = state.services
    return services


def provide_tenant(request: Request[object, object, State]) -> TenantContext:
    tenant: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    if tenant is None:
        raise Problem(
            404,
            "Council not given",
            "Address a council: use its own address (kingston.localhost), the /t/<council>/ prefix, "
            "or the X-Tenant header.",
            name="council-not-given",
        )
    return tenant


async def provide_tenant_db(
    tenant: NamedDependency[TenantContext], services: NamedDependency[PlatformServices]
) -> AsyncIterator[AsyncConnection]:
    async with tenant_connection(services.database.engine, tenant) as connection:
        yield connection


def provide_maybe_tenant(request: Request[object, object, State]) -> TenantContext | None:
    tenant: TenantContext | None = request.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    return tenant


async def provide_offerings(
    tenant: NamedDependency[TenantContext], services: NamedDependency[PlatformServices]
) -> CouncilOfferings:
    """The services this council offers, with its effective settings (cached per worker briefly)."""
    return await services.offerings.for_council(tenant)
