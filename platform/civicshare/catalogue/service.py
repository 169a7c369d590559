"""A council's offerings: the services of the modules it enabled, with its effective settings.

Enablement is the council's own choice (`tenant_modules.enabled`); a shared-service group supplies
settings its members inherit (`group_modules.settings`), and a member overrides any of them in its own
`tenant_modules.settings`: module defaults < group < council. A module this deployment does not run
(plugin removed) or whose settings do not validate is left out and reported in `problems`; nothing
else about the council is affected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.modules import (
    ModuleRegistry,
    ModuleSettings,
    ServiceDefinition,
    ServiceModule,
    SettingsInvalid,
    UnknownModule,
    resolve_settings,
)
from civicshare.modules.flow import sla_working_days
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.tables import group_modules, tenant_modules, tenants

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offering:
    """One service a council offers, with the settings that council runs its module with."""

    council: str
    module: ServiceModule[Any]
    service: ServiceDefinition[Any]
    settings: ModuleSettings

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def title(self) -> str:
        return self.service.title

    @property
    def category(self) -> str:
        return str(self.service.category)

    @property
    def sla_working_days(self) -> int | None:
        return sla_working_days(self.service, self.settings)

    def status_label(self, status: str) -> str:
        """The words this council uses for a status (its `state_labels`, else the module's); a status the
        workflow no longer has (it changed since the request was stored) is shown as it was stored."""
        if status not in self.service.workflow.states:
            return status.replace("_", " ").capitalize()
        return self.service.workflow.label(status, self.settings.state_labels)


@dataclass(frozen=True)
class ModuleEnablement:
    """One row of a council's module choices, with its group's settings for the same module."""

    module_code: str
    enabled: bool
    council_settings: Mapping[str, Any]
    group_settings: Mapping[str, Any] | None


class CouncilOfferings:
    """Everything a council offers, looked up by service code, in the modules' own order.

    A plain class (handlers receive it by DI, and Litestar would otherwise validate its fields).
    """

    def __init__(
        self,
        council: str,
        offerings: Mapping[str, Offering] | None = None,
        settings: Mapping[str, ModuleSettings] | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        self.council = council
        self.offerings: Mapping[str, Offering] = offerings or {}
        self.settings: Mapping[str, ModuleSettings] = settings or {}
        self.problems = problems

    def __iter__(self) -> Iterator[Offering]:
        return iter(self.offerings.values())

    def __len__(self) -> int:
        return len(self.offerings)

    def offering(self, service_code: str) -> Offering | None:
        return self.offerings.get(service_code)

    def by_category(self) -> list[tuple[str, list[Offering]]]:
        """Services grouped for a home page, categories in the order they first appear."""
        grouped: dict[str, list[Offering]] = {}
        for offering in self.offerings.values():
            grouped.setdefault(offering.category, []).append(offering)
        return list(grouped.items())


async def load_enablement(connection: AsyncConnection, tenant_id: int) -> list[ModuleEnablement]:
    """A council's module rows and its group's settings for them, in one query."""
    query = (
        select(
            tenant_modules.c.module_code,
            tenant_modules.c.enabled,
            tenant_modules.c.settings,
            group_modules.c.settings.label("group_settings"),
        )
        .select_from(
            tenant_modules.join(tenants, tenants.c.id == tenant_modules.c.tenant_id).outerjoin(
                group_modules,
                and_(
                    group_modules.c.group_id == tenants.c.group_id,
                    group_modules.c.module_code == tenant_modules.c.module_code,
                ),
            )
        )
        .where(tenant_modules.c.tenant_id == tenant_id)
        .order_by(tenant_modules.c.module_code)
    )
    return [
        ModuleEnablement(row.module_code, row.enabled, row.settings or {}, row.group_settings)
        for row in await connection.execute(query)
    ]


def resolve_offerings(registry: ModuleRegistry, council: str, enablement: list[ModuleEnablement]) -> CouncilOfferings:
    """Turn a council's module rows into its offerings; modules that cannot run are reported, not raised."""
    offerings: dict[str, Offering] = {}
    resolved: dict[str, ModuleSettings] = {}
    problems: list[str] = []
    chosen = {row.module_code: row for row in enablement if row.enabled}
    for module in registry.modules:  # the registry's order, so listings are stable
        row = chosen.pop(module.code, None)
        if row is None:
            continue
        try:
            settings = resolve_settings(module, group=row.group_settings, council=row.council_settings)
        except SettingsInvalid as invalid:
            problems.append(str(invalid))
            continue
        resolved[module.code] = settings
        for service in module.offered_services(settings):
            offerings[service.code] = Offering(council, module, service, settings)
    for missing in chosen:
        problems.append(f"module {missing!r} is enabled but not installed on this platform")
    return CouncilOfferings(council, offerings, resolved, tuple(problems))


async def offerings_for(
    connection: AsyncConnection, registry: ModuleRegistry, tenant: TenantContext
) -> CouncilOfferings:
    """A council's offerings read fresh from the control plane."""
    return resolve_offerings(registry, tenant.slug, await load_enablement(connection, tenant.id))


def module_settings_for(offerings: CouncilOfferings, registry: ModuleRegistry, module_code: str) -> ModuleSettings:
    """The effective settings of one module the council enabled; UnknownModule if it did not."""
    registry.module(module_code)
    try:
        return offerings.settings[module_code]
    except KeyError:
        raise UnknownModule(module_code) from None


@dataclass
class _CachedOfferings:
    checked_at: float
    enablement: list[ModuleEnablement]
    offerings: CouncilOfferings


class OfferingsCache:
    """Each worker's copy of councils' offerings, checked again after `max_age_seconds` (0 = every time).

    Checking costs one small query; the settings are resolved again (pydantic validation of each
    module's settings) only when the council's rows changed. While one request checks a council, the
    others go on with the copy they have rather than queue behind it. Changes made through the admin
    API show within `max_age_seconds` in every worker (and at once in the worker that calls `invalidate`).
    """

    def __init__(self, engine: AsyncEngine, registry: ModuleRegistry, *, max_age_seconds: float) -> None:
        self._engine = engine
        self._registry = registry
        self._max_age = max_age_seconds
        self._entries: dict[int, _CachedOfferings] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._invalidations = 0

    @property
    def registry(self) -> ModuleRegistry:
        return self._registry

    def invalidate(self, tenant_id: int | None = None) -> None:
        self._invalidations += 1  # a check already reading is not trusted: it may have read the old state
        if tenant_id is None:
            self._entries.clear()
        else:
            self._entries.pop(tenant_id, None)

    def _fresh(self, entry: _CachedOfferings | None) -> bool:
        return entry is not None and time.monotonic() - entry.checked_at < self._max_age

    async def for_council(self, tenant: TenantContext) -> CouncilOfferings:
        entry = self._entries.get(tenant.id)
        if entry is not None and self._fresh(entry):
            return entry.offerings
        lock = self._locks.setdefault(tenant.id, asyncio.Lock())
        if entry is not None and self._max_age > 0 and lock.locked():
            return entry.offerings  # being checked right now by another request
        async with lock:
            entry = self._entries.get(tenant.id)
            if entry is not None and self._fresh(entry):
                return entry.offerings  # another request checked it meanwhile
            invalidations = self._invalidations
            async with self._engine.connect() as connection:
                enablement = await load_enablement(connection, tenant.id)
            checked_at = time.monotonic() if self._invalidations == invalidations else float("-inf")
            if entry is not None and entry.enablement == enablement:
                entry.checked_at = checked_at
                return entry.offerings
            offerings = resolve_offerings(self._registry, tenant.slug, enablement)
            for problem in offerings.problems:
                log.warning("council %s: %s", tenant.slug, problem)
            self._entries[tenant.id] = _CachedOfferings(checked_at, enablement, offerings)
            return offerings
