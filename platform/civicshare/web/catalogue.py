"""What a council offers residents, as its home page shows it: listings, shortcuts, categories, search.

`ServiceListing` is the web's view of one service. What a council offers comes from the platform's
offerings (`catalogue.service.OfferingsCache`, the same cache the resident API reads). The six
shortcuts are the council's most used services of the last 30 days (all channels), counted from its
transactions and kept for ten minutes per council per worker: a ranking over 30 days hardly moves in
ten minutes, and recounting every minute in every worker was most of the database's work for the home
page at national scale (some 4,000 rows a council, 400 councils, each worker).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from weakref import WeakKeyDictionary

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.catalogue.search import index_terms, matches, merged_synonyms, query_stems, stems
from civicshare.catalogue.service import CouncilOfferings, Offering, OfferingsCache
from civicshare.db.engine import tenant_connection
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import transactions

SHORTCUT_COUNT = 6
USAGE_WINDOW = timedelta(days=30)
USAGE_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class ServiceListing:
    """One service on a council's website, with the stems search finds it by (`catalogue.search`)."""

    code: str
    title: str
    summary: str
    category: str
    fee_note: str | None = None
    terms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.terms:  # a listing made without its module's words: its own words and the platform's synonyms
            object.__setattr__(self, "terms", _terms(f"{self.title} {self.summary} {self.category}", ()))

    @property
    def search_text(self) -> str:
        """The terms, for the home page's filter-as-you-type (which matches stems by their start)."""
        return " ".join(sorted(self.terms))

    def matches(self, query: str) -> bool:
        return matches(self.terms, query_stems(query))


@lru_cache(maxsize=4096)
def _terms(text: str, module_synonyms: tuple[tuple[str, tuple[str, ...]], ...]) -> frozenset[str]:
    return index_terms(text, merged_synonyms([dict(module_synonyms)]))


def listing_of(offering: Offering) -> ServiceListing:
    service = offering.service
    text = " ".join((service.title, service.summary, offering.category, *service.search_terms))
    synonyms = tuple(sorted((word, tuple(words)) for word, words in offering.module.synonyms.items()))
    return ServiceListing(
        code=service.code,
        title=service.title,
        summary=service.summary,
        category=offering.category,
        fee_note="There is a fee for this service" if service.fee is not None else None,
        terms=_terms(text, synonyms),
    )


class CouncilCatalogue:
    """The web's questions of the platform's offerings: a council's services, listings, one service."""

    def __init__(self, offerings: OfferingsCache) -> None:
        self._offerings = offerings
        # Listings are made from the offerings alone: kept as long as the offerings they were made from are.
        self._listings: WeakKeyDictionary[CouncilOfferings, tuple[ServiceListing, ...]] = WeakKeyDictionary()

    async def listings(self, tenant: TenantContext) -> Sequence[ServiceListing]:
        offerings = await self._offerings.for_council(tenant)
        listings = self._listings.get(offerings)
        if listings is None:
            listings = self._listings[offerings] = tuple(listing_of(offering) for offering in offerings)
        return listings

    async def service(self, tenant: TenantContext, code: str) -> Offering | None:
        return (await self._offerings.for_council(tenant)).offering(code)


@dataclass(frozen=True)
class CategoryGroup:
    name: str
    services: list[ServiceListing]


def by_category(listings: Sequence[ServiceListing]) -> list[CategoryGroup]:
    """Categories in the order their first service appears; services in module order within each."""
    groups: dict[str, list[ServiceListing]] = {}
    for listing in listings:
        groups.setdefault(listing.category, []).append(listing)
    return [CategoryGroup(name, services) for name, services in groups.items()]


def search(listings: Sequence[ServiceListing], query: str) -> list[ServiceListing]:
    """The services matching every meaningful word; those naming the words in their title first."""
    wanted = query_stems(query)
    found = [listing for listing in listings if matches(listing.terms, wanted)]
    return sorted(found, key=lambda listing: -len(set(wanted) & set(stems(listing.title))))


def most_used(listings: Sequence[ServiceListing], usage: dict[str, int]) -> list[ServiceListing]:
    """The shortcut boxes: most used first; unused services keep module order after them."""
    ranked = sorted(enumerate(listings), key=lambda pair: (-usage.get(pair[1].code, 0), pair[0]))
    return [listing for _, listing in ranked[:SHORTCUT_COUNT]]


async def count_recent_use(
    connection: AsyncConnection, *, include_test: bool = False, now: datetime | None = None
) -> dict[str, int]:
    """Transactions per service in the last 30 days at the council `connection` is routed to.

    Test transactions count only for a council on trial (where every transaction is a test).
    """
    since = (now or datetime.now(UTC)) - USAGE_WINDOW
    query = select(transactions.c.service, func.count()).where(transactions.c.created_at >= since)
    if not include_test:
        query = query.where(transactions.c.is_test.is_(False))
    rows = await connection.execute(query.group_by(transactions.c.service))
    return {service: int(count) for service, count in rows}


@dataclass
class UsageCache:
    """Recent use per council, recounted at most once every ten minutes per worker."""

    max_age: float = USAGE_CACHE_SECONDS
    _entries: dict[str, tuple[float, dict[str, int]]] = field(default_factory=dict)

    async def usage(self, tenant: TenantContext, engine: AsyncEngine) -> dict[str, int]:
        """The council's recent use; a connection is taken only to count it again."""
        entry = self._entries.get(tenant.slug)
        if entry is not None and time.monotonic() - entry[0] < self.max_age:
            return entry[1]
        async with tenant_connection(engine, tenant) as connection:
            counts = await count_recent_use(connection, include_test=tenant.is_trial)
        self._entries[tenant.slug] = (time.monotonic(), counts)
        return counts

    def forget(self, slug: str | None = None) -> None:
        if slug is None:
            self._entries.clear()
        else:
            self._entries.pop(slug, None)
