"""Savings figures follow the signed-in person: a council's own staff, or operators, and nobody else."""

from __future__ import annotations

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token

REPORT = "/api/v1/savings/report"
PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}


async def test_staff_see_their_own_councils_savings_and_not_another_councils(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    mine, theirs = await council(), await council()
    token = await staff_token(dev_identity, f"finance-{mine}@example.org", mine)
    own = await http.get(REPORT, params=PERIOD, headers=bearer(token, mine))
    assert own.status_code == 200, own.text
    other = await http.get(REPORT, params=PERIOD, headers=bearer(token, theirs))
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"


async def test_a_resident_is_refused_savings_figures_and_operators_see_every_council(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council()
    resident = dev_identity.issue_token("rosa.resident@example.org")
    assert (await http.get(REPORT, params=PERIOD, headers=bearer(resident, slug))).status_code == 403
    assert (await http.get("/ops/savings/overview", params=PERIOD, headers=bearer(resident))).status_code == 403
    operator = dev_identity.issue_token("olu.operator@civicshare.example")
    overview = await http.get("/ops/savings/overview", params=PERIOD, headers=bearer(operator))
    assert overview.status_code == 200, overview.text
    admin = await staff_token(dev_identity, f"admin-{slug}@example.org", slug, role=Role.COUNCIL_ADMIN)
    assert (await http.get("/ops/savings/overview", params=PERIOD, headers=bearer(admin))).status_code == 403


async def test_an_operator_is_not_a_councils_staff_at_its_address(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    """The operator rule (civicshare.policy): operators see a council's figures on the platform's own
    address, and at the council's address only what its membership gives them. Before the one policy,
    the savings API let any operator read any council's figures and write its inputs there."""
    slug = await council()
    operator = bearer(dev_identity.issue_token("olu.operator@civicshare.example"), slug)
    for refused in (
        await http.get(REPORT, params=PERIOD, headers=operator),
        await http.post("/api/v1/savings/unit-costs", json={"channel": "phone", "unit_cost": "9.99"}, headers=operator),
        await http.get("/api/v1/staff/transactions", headers=operator),
        await http.get("/staff", headers=operator),
    ):
        assert refused.status_code == 403, refused.text
        assert f"You do not work for Test Council {slug}" in refused.text
    on_the_platform = await http.get(
        f"/ops/savings/councils/{slug}/report",
        params=PERIOD,
        headers=bearer(dev_identity.issue_token("olu.operator@civicshare.example")),
    )
    assert on_the_platform.status_code == 200, on_the_platform.text
