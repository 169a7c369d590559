"""The website's building blocks on their own: contrast, the flow cookie, negotiation, shortcuts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from civicshare.app import discover_modules
from civicshare.catalogue.service import OfferingsCache
from civicshare.db.engine import Database, tenant_connection
from civicshare.tenancy.context import Branding
from civicshare.tenancy.tables import tenant_modules
from civicshare.web.branding import contrast_ratio, theme_for
from civicshare.web.catalogue import (
    CouncilCatalogue,
    ServiceListing,
    by_category,
    count_recent_use,
    most_used,
    search,
)
from civicshare.web.errors import prefers_html
from civicshare.web.flow_state import MAX_AGE_SECONDS, FlowState
from tests.conftest import CouncilFactory
from tests.support import record_transaction, tenant_context_for


def listing(code: str, category: str = "Roads and streets") -> ServiceListing:
    return ServiceListing(
        code=code, title=code.replace("-", " ").capitalize(), summary=f"About {code}", category=category
    )


def test_contrast_follows_wcag() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#1d70b8", "#ffffff"), 2) == 5.17


def test_a_pale_council_colour_gets_dark_header_text_and_readable_links() -> None:
    theme = theme_for(Branding("#ffdd00", "#f0f0f0", "#0b0c0c", None, ""))
    assert theme.header_text == "#ffffff" or contrast_ratio(theme.brand, theme.header_text) >= 4.5
    assert theme.header_text == "#0b0c0c"
    assert contrast_ratio(theme.link, "#ffffff") >= 4.5
    assert contrast_ratio(theme.link_hover, "#ffffff") >= 4.5


def test_a_colour_that_is_not_a_colour_never_reaches_the_stylesheet() -> None:
    theme = theme_for(Branding("red;}body{display:none", "#003078", "#0b0c0c", None, ""))
    assert theme.brand == "#1d70b8"
    assert "display" not in theme.custom_properties


def test_browsers_prefer_html_and_api_clients_do_not() -> None:
    assert prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert not prefers_html("*/*")
    assert not prefers_html(None)
    assert not prefers_html("application/json")
    assert not prefers_html("application/json, text/html;q=0.5")
    assert not prefers_html("text/html;q=0")


def test_a_flow_state_survives_the_round_trip_and_nothing_else_does() -> None:
    key = b"a secret"
    flow = FlowState()
    flow["answers"] = {"description": "A deep pothole"}
    assert flow.changed
    value = flow.encode(key)
    back = FlowState.decode(value, key)
    assert back.get("answers") == {"description": "A deep pothole"} and not back.changed
    assert FlowState.decode(value, b"another secret").data == {}
    assert FlowState.decode(value[:-2] + "xx", key).data == {}
    assert FlowState.decode(None, key).data == {}
    later = datetime.now(UTC).timestamp() + MAX_AGE_SECONDS + 1
    assert FlowState.decode(value, key, now=later).data == {}


def test_shortcuts_are_the_six_most_used_then_module_order() -> None:
    listings = [listing(f"service-{number}") for number in range(8)]
    usage = {"service-7": 50, "service-3": 20, "service-5": 20}
    assert [item.code for item in most_used(listings, usage)] == [
        "service-7",
        "service-3",
        "service-5",
        "service-0",
        "service-1",
        "service-2",
    ]


def test_services_group_by_category_and_search_matches_every_word() -> None:
    listings = [listing("report-pothole"), listing("missed-bin", "Bins and recycling"), listing("report-streetlight")]
    groups = by_category(listings)
    assert [group.name for group in groups] == ["Roads and streets", "Bins and recycling"]
    assert [item.code for item in groups[0].services] == ["report-pothole", "report-streetlight"]
    assert [item.code for item in search(listings, "REPORT pothole")] == ["report-pothole"]
    assert search(listings, "   ") == []


async def test_recent_use_counts_the_last_30_days_at_that_council_only(
    database: Database, make_council: CouncilFactory
) -> None:
    ours = await make_council()
    theirs = await make_council()
    for _ in range(3):
        await record_transaction(database, ours.slug, "a@example.org", service="missed-bin")
    await record_transaction(database, ours.slug, "a@example.org", service="report-pothole")
    await record_transaction(database, theirs.slug, "a@example.org", service="report-pothole")
    tenant = await tenant_context_for(database, ours.slug)
    async with tenant_connection(database.engine, tenant) as connection:
        # A council on trial: its transactions are all test data, and they are its use.
        assert tenant.is_trial
        assert await count_recent_use(connection) == {}
        assert await count_recent_use(connection, include_test=True) == {"missed-bin": 3, "report-pothole": 1}
        later = datetime.now(UTC) + timedelta(days=31)
        assert await count_recent_use(connection, include_test=True, now=later) == {}


async def test_a_councils_listings_follow_its_offer_and_never_show_another_councils(
    database: Database, make_council: CouncilFactory
) -> None:
    highways = {"modules": {"highways": {"enabled": True}}}
    council = await tenant_context_for(database, (await make_council(**highways)).slug)
    other = await tenant_context_for(database, (await make_council()).slug)
    catalogue = CouncilCatalogue(OfferingsCache(database.lookups, discover_modules(), max_age_seconds=0.05))

    assert "report-pothole" in {listing.code for listing in await catalogue.listings(council)}
    assert "report-pothole" not in {listing.code for listing in await catalogue.listings(other)}
    async with database.engine.begin() as connection:
        await connection.execute(
            update(tenant_modules).where(tenant_modules.c.tenant_id == council.id).values(enabled=False)
        )
    await asyncio.sleep(0.06)  # the offer's copy is checked again: the listings kept with it go too
    assert "report-pothole" not in {listing.code for listing in await catalogue.listings(council)}
