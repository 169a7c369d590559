"""An operator changes a council's unit costs through the admin API: the same channel, service and start
date twice in one change is refused, and so is a cost that would reprice a closed month."""

from __future__ import annotations

import httpx

from tests.conftest import CouncilFactory


async def test_two_costs_for_the_same_channel_service_and_day_in_one_change_are_refused(
    admin: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    slug = (await make_council()).slug
    twice = [
        {"channel": "phone", "cost": "3.00", "effective_from": "2024-05-01"},
        {"channel": "phone", "cost": "4.00", "effective_from": "2024-05-01"},
    ]
    refused = await admin.patch(f"/admin/v1/councils/{slug}", json={"unit_cost_overrides": twice})
    assert refused.status_code == 422, refused.text
    assert "phone" in refused.text and "2024-05-01" in refused.text
    council = (await admin.get(f"/admin/v1/councils/{slug}")).json()
    assert council["definition"]["unit_cost_overrides"] == []


async def test_a_unit_cost_that_would_reprice_a_closed_month_is_refused(
    admin: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    slug = (await make_council()).slug
    closed = await admin.post(f"/admin/v1/councils/{slug}/closed-months", json={"month": "2024-03"})
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"month": "2024-03", "councils": [slug]}

    in_march = [{"channel": "phone", "cost": "3.00", "effective_from": "2024-03-10"}]
    refused = await admin.patch(f"/admin/v1/councils/{slug}", json={"unit_cost_overrides": in_march})
    assert refused.status_code == 409, refused.text
    assert refused.json()["closed_months"] == ["2024-03"]
    # A channel's cost for all time reprices March too; a cost from April does not.
    all_time = await admin.patch(f"/admin/v1/councils/{slug}", json={"unit_costs": {"phone": "3.00"}})
    assert all_time.status_code == 409, all_time.text
    from_april = [{"channel": "phone", "cost": "3.00", "effective_from": "2024-04-01"}]
    accepted = await admin.patch(f"/admin/v1/councils/{slug}", json={"unit_cost_overrides": from_april})
    assert accepted.status_code == 200, accepted.text

    audit = (await admin.get("/admin/v1/audit-events", params={"council": slug})).json()
    assert "savings.month_closed" in [event["action"] for event in audit["items"]]
