from __future__ import annotations

from html import escape

from litestar import MediaType, get
from litestar.di import NamedDependency
from msgspec import Struct

from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext


class CouncilSummary(Struct):
    slug: str
    name: str
    gss_code: str
    reference_prefix: str
    mode: str


@get("/api/v1/council", tags=["council"])
async def council(tenant: NamedDependency[TenantContext]) -> CouncilSummary:
    """The council this address belongs to."""
    return CouncilSummary(tenant.slug, tenant.name, tenant.gss_code, tenant.reference_prefix, tenant.mode.value)


@get("/", media_type=MediaType.HTML, include_in_schema=False)
async def platform_or_council_home(
    services: NamedDependency[PlatformServices], maybe_tenant: NamedDependency[TenantContext | None]
) -> str:
    tenant = maybe_tenant
    if tenant is not None:
        return f"<!doctype html><html lang=en><title>{escape(tenant.name)}</title><h1>{escape(tenant.name)}</h1>"
    councils = [t for t in await services.directory.all() if t.serves_residents]
    port = services.settings.port
    links = "".join(
        f'<li><a href="http://{escape(t.slug)}.{escape(services.settings.base_domain)}:{port}/">{escape(t.name)}</a></li>'
        for t in councils
    )
    return f"<!doctype html><html lang=en><title>civicshare</title><h1>civicshare</h1><ul>{links}</ul>"
