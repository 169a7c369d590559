from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from msgspec import Struct

from civicshare.policy import PUBLIC
from civicshare.tenancy.context import TenantContext


class CouncilSummary(Struct):
    slug: str
    name: str
    gss_code: str
    reference_prefix: str
    mode: str


@get("/api/v1/council", tags=["council"], opt=PUBLIC)
async def council(tenant: NamedDependency[TenantContext]) -> CouncilSummary:
    """The council this address belongs to."""
    return CouncilSummary(tenant.slug, tenant.name, tenant.gss_code, tenant.reference_prefix, tenant.mode.value)
