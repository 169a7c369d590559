"""Development mode only: the savings pages' `X-Civicshare-Dev-Role` header, kept as it was.

A request that signs in as nobody, on a route whose router allows it (`opt={"dev_role": True}`: the
savings API and /ops/savings), plays the role the header names (by default council-staff at a council,
platform-operator on the platform's address), as a member of the council it addresses. The policy then
decides as for anyone else, so a role that does not fit the page is refused. Outside development mode
it never applies: signing in is required (401).

Issue 15 item 8 removes this header (feat/sec-access); when that lands, delete this module and its one
caller in `civicshare.identity.authentication`.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from civicshare.policy import IDENTITY_ROLES, PLATFORM_PERMISSIONS, Access, Actor, Role
from civicshare.services import PlatformServices
from civicshare.settings import Mode
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

DEV_ROLE_HEADER = "x-civicshare-dev-role"


async def dev_role_actor(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    access: Access,
    services: PlatformServices,
) -> Actor | None:
    if not handler.opt.get("dev_role") or services.settings.mode is not Mode.DEVELOPMENT:
        return None
    default = Role.PLATFORM_OPERATOR if access.permission in PLATFORM_PERMISSIONS else Role.COUNCIL_STAFF
    claimed = connection.headers.get(DEV_ROLE_HEADER, default).strip().lower()
    roles = frozenset({Role(claimed)}) if claimed in IDENTITY_ROLES else frozenset()
    council: TenantContext | None = connection.scope.get(TENANT_SCOPE_KEY)  # type: ignore[assignment]
    return Actor(name=f"dev {claimed}", roles=roles, councils=frozenset({council.slug}) if council else frozenset())
