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
