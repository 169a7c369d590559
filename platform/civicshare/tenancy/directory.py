"""The council directory each worker keeps: which council a slug or a host name belongs to.

Every request needs this lookup, so a worker keeps a copy of the directory. When the copy is older
than `tenant_cache_seconds` (the safety net: a change is announced to every worker at once on
`DIRECTORY_CHANNEL`) one cheap query asks whether anything changed (how many councils and
domains there are, and the sum of their `updated_at`); only then is the whole directory read again.
Requests arriving while that query runs use the copy they have instead of waiting for it. A
council it does not know triggers a reload at once (rate-limited). Every change to a council must
therefore bump `platform.tenants.updated_at`, as the functions in `civicshare.tenancy.service` do.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.tenancy.context import FrontDoorContext, TenantContext
from civicshare.tenancy.records import load_front_doors, load_tenant_contexts
from civicshare.tenancy.tables import front_doors, tenant_domains, tenants

MIN_SECONDS_BETWEEN_MISS_RELOADS = 0.25
# Sent at commit by triggers on the control plane's council tables (platform migration 0006); every
# serving worker listens, and forgets its copies at once. The periodic check stays as the safety net.
DIRECTORY_CHANNEL = "civicshare_directory"


@dataclass
class _Snapshot:
    by_slug: dict[str, TenantContext] = field(default_factory=dict)
    by_domain: dict[str, TenantContext] = field(default_factory=dict)
    front_doors_by_slug: dict[str, FrontDoorContext] = field(default_factory=dict)
    front_doors_by_domain: dict[str, FrontDoorContext] = field(default_factory=dict)
    loaded_at: float = float("-inf")
    fingerprint: tuple[object, ...] | None = None


FINGERPRINT = select(
    select(func.count()).select_from(tenants).scalar_subquery(),
    # A sum rather than a max: a change committed late with an earlier timestamp still moves it.
    select(func.sum(func.extract("epoch", tenants.c.updated_at))).scalar_subquery(),
    select(func.count()).select_from(tenant_domains).scalar_subquery(),
    select(func.count()).select_from(front_doors).scalar_subquery(),
    select(func.sum(func.extract("epoch", front_doors.c.updated_at))).scalar_subquery(),
)


class TenantDirectory:
    def __init__(self, engine: AsyncEngine, *, max_age_seconds: float) -> None:
        self._engine = engine
        self._max_age = max_age_seconds
        self._snapshot = _Snapshot()
        self._lock = asyncio.Lock()
        self._invalidations = 0

    def invalidate(self) -> None:
        self._invalidations += 1  # a reload already reading is not trusted: it may have read the old state
        self._snapshot.loaded_at = float("-inf")
        self._snapshot.fingerprint = None

    def _trusted_from(self, invalidations: int) -> float:
        """When a reload begun at `invalidations` counts as loaded: now, or never if a change was announced
        while it read (the next request reads again)."""
        return time.monotonic() if self._invalidations == invalidations else float("-inf")

    async def _reload(self, if_older_than: float) -> _Snapshot:
        async with self._lock:
            if time.monotonic() - self._snapshot.loaded_at < if_older_than:
                return self._snapshot  # another request reloaded it meanwhile
            invalidations = self._invalidations
            async with self._engine.connect() as connection:
                fingerprint = tuple((await connection.execute(FINGERPRINT)).one())
                if fingerprint == self._snapshot.fingerprint:
                    self._snapshot.loaded_at = self._trusted_from(invalidations)
                    return self._snapshot
                contexts = await load_tenant_contexts(connection)
                doors = await load_front_doors(connection)
            self._snapshot = _Snapshot(
                by_slug={tenant.slug: tenant for tenant in contexts},
                by_domain={domain: tenant for tenant in contexts for domain in tenant.domains},
                front_doors_by_slug={door.slug: door for door in doors},
                front_doors_by_domain={domain: door for door in doors for domain in door.domains},
                loaded_at=self._trusted_from(invalidations),
                fingerprint=fingerprint,
            )
            return self._snapshot

    async def _current(self) -> _Snapshot:
        if time.monotonic() - self._snapshot.loaded_at >= self._max_age:
            if self._lock.locked() and self._max_age > 0 and self._snapshot.fingerprint is not None:
                return self._snapshot  # being checked right now by another request: no need to queue
            return await self._reload(self._max_age)
        return self._snapshot

    async def by_slug(self, slug: str) -> TenantContext | None:
        snapshot = await self._current()
        if slug not in snapshot.by_slug:
            snapshot = await self._reload(MIN_SECONDS_BETWEEN_MISS_RELOADS)
        return snapshot.by_slug.get(slug)

    async def by_domain(self, domain: str) -> TenantContext | None:
        snapshot = await self._current()
        if domain not in snapshot.by_domain:
            snapshot = await self._reload(MIN_SECONDS_BETWEEN_MISS_RELOADS)
        return snapshot.by_domain.get(domain)

    async def front_door_by_slug(self, slug: str) -> FrontDoorContext | None:
        """A front door (the shared site of an area's councils) by its slug; no reload on a miss, as a
        council's miss has just reloaded."""
        return (await self._current()).front_doors_by_slug.get(slug)

    async def front_door_by_domain(self, domain: str) -> FrontDoorContext | None:
        return (await self._current()).front_doors_by_domain.get(domain)

    async def all_front_doors(self) -> list[FrontDoorContext]:
        return list((await self._current()).front_doors_by_slug.values())

    async def all(self) -> list[TenantContext]:
        return list((await self._current()).by_slug.values())
