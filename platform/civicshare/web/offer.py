"""What each council offers: the installed service modules it enabled, with its own settings.

Modules come from the plugin registry (entry points); a council enables a module in its TOML file
or through the admin API (control-plane tables `tenant_modules`, with shared-service group settings
in `group_modules`). Settings resolve defaults < group < council. Each worker keeps a council's
offer for `tenant_cache_seconds`, like the council directory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.modules import (
    ModuleRegistry,
    ModuleSettings,
    ServiceDefinition,
    ServiceModule,
    SettingsInvalid,
    resolve_settings,
)
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import group_modules, service_groups, tenant_modules
from civicshare.web.catalogue import ServiceListing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfferedService:
    """One service as a council runs it: the module, the service and the council's settings."""

    module: ServiceModule[Any]
    service: ServiceDefinition[Any]
    settings: ModuleSettings

    @property
    def listing(self) -> ServiceListing:
        return ServiceListing(
            code=self.service.code,
            title=self.service.title,
            summary=self.service.summary,
            category=str(self.service.category),
            fee_note="There is a fee for this service" if self.service.fee is not None else None,
        )


@dataclass
class CouncilOffer:
    """The `ServiceCatalogue` over installed modules and each council's choices."""

    engine: AsyncEngine
    registry: ModuleRegistry
    max_age: float = 2.0
    _cache: dict[str, tuple[float, list[OfferedService]]] = field(default_factory=dict)

    async def offered(self, tenant: TenantContext) -> list[OfferedService]:
        cached = self._cache.get(tenant.slug)
        if cached is not None and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        offer = await self._load(tenant)
        self._cache[tenant.slug] = (time.monotonic(), offer)
        return offer

    async def listings(self, tenant: TenantContext) -> Sequence[ServiceListing]:
        return [item.listing for item in await self.offered(tenant)]

    async def service(self, tenant: TenantContext, code: str) -> OfferedService | None:
        for item in await self.offered(tenant):
            if item.service.code == code:
                return item
        return None

    async def _load(self, tenant: TenantContext) -> list[OfferedService]:
        async with self.engine.connect() as connection:
            chosen = {
                row.module_code: (row.enabled, row.settings or {})
                for row in await connection.execute(
                    select(tenant_modules.c.module_code, tenant_modules.c.enabled, tenant_modules.c.settings).where(
                        tenant_modules.c.tenant_id == tenant.id
                    )
                )
            }
            shared: dict[str, dict[str, Any]] = {}
            if tenant.group_slug is not None:
                rows = await connection.execute(
                    select(group_modules.c.module_code, group_modules.c.settings)
                    .join(service_groups, service_groups.c.id == group_modules.c.group_id)
                    .where(service_groups.c.slug == tenant.group_slug)
                )
                shared = {row.module_code: row.settings or {} for row in rows}
        offer: list[OfferedService] = []
        for module in self.registry:
            enabled, council_settings = chosen.get(module.code, (False, {}))
            if not enabled:
                continue
            try:
                settings = resolve_settings(module, group=shared.get(module.code), council=council_settings)
            except SettingsInvalid as invalid:
                log.warning("council %s: module %s not offered: %s", tenant.slug, module.code, invalid)
                continue
            offer.extend(OfferedService(module, service, settings) for service in module.offered_services(settings))
        return offer
