"""A resident's account is deleted on request: gone from the identity provider, its closed requests'
personal data erased at every council and its open ones detached, with a record of what was kept and
why (a payment record kept for the accounts); other residents' requests are untouched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.modules.working_days import uk_today
from civicshare.services import PlatformServices
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CouncilWithOrganization
from tests.privacy.conftest import HIGHWAYS, PNG, decide, officer_token, polled, report_pothole, resident
from tests.support import host_for, tenant_context_for

HIGHWAYS_AND_WASTE = {"modules": {"highways": {"enabled": True}, "waste": {"enabled": True}}}


async def _row(database: Database, slug: str, reference: str) -> Any:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        return (await connection.execute(select(transactions).where(transactions.c.reference == reference))).one()


async def _garden_waste_withdrawn(http: httpx.AsyncClient, slug: str, email: str, token: str, staff: str) -> str:
    """A paid subscription (its fee recorded), withdrawn by the council before payment."""
    sent = await http.post(
        "/api/v1/services/garden-waste-subscription/transactions",
        json={
            "answers": {
                "address_line": "12 Acacia Avenue",
                "postcode": "KT1 1EU",
                "bins": "1",
                "start_date": (uk_today() + timedelta(days=14)).isoformat(),
            },
            "channel": "web",
            "contact_email": email,
        },
        headers=host_for(slug) | {"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 201, sent.text
    reference = str(sent.json()["reference"])
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "withdrawn", "reason": "Resident asked to cancel"},
        headers=host_for(slug) | {"Authorization": f"Bearer {staff}"},
    )
    assert moved.status_code == 200, moved.text
    return reference


async def test_deleting_an_account_erases_its_data_at_every_council_and_keeps_records_with_reasons(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    job_worker: PlatformServices,
) -> None:
    here, there = await council(**HIGHWAYS_AND_WASTE), await council(**HIGHWAYS)
    ada_email, ada_subject, ada_token = await resident(dev_identity, "Ada")
    ben_email, _, ben_token = await resident(dev_identity, "Ben")
    staff_here, staff_there = await officer_token(dev_identity, here), await officer_token(dev_identity, there)

    closed_here = await report_pothole(http, here, ada_email, token=ada_token, details="Ada's pothole", photo=PNG)
    await decide(http, here, staff_here, closed_here, "Filled in")
    open_here = await report_pothole(http, here, ada_email, token=ada_token, details="Still there")
    paid_here = await _garden_waste_withdrawn(http, here, ada_email, ada_token, staff_here)
    closed_there = await report_pothole(http, there, ada_email, token=ada_token, details="Ada over there")
    await decide(http, there, staff_there, closed_there, "Filled in")
    bens = await report_pothole(http, here, ben_email, token=ben_token, details="Ben's pothole")
    await decide(http, here, staff_here, bens, "Filled in")

    started = await operator.post("/admin/v1/accounts/erase", json={"email": ada_email.upper()})
    assert started.status_code == 202, started.text
    assert started.json()["identity_removed"] is True
    with pytest.raises(LookupError):
        dev_identity.issue_token(ada_email)  # the account is gone: no sign-in anywhere
    erasure = await polled(operator, started.headers["location"])
    assert erasure["state"] == "done", erasure
    assert erasure["account"] == ada_subject and erasure["councils_done"] == erasure["councils_total"]

    outcome_here = {item["reference"]: item for item in erasure["outcome"][here]["requests"]}
    outcome_there = {item["reference"]: item for item in erasure["outcome"][there]["requests"]}
    assert set(outcome_here) == {closed_here, open_here, paid_here} and set(outcome_there) == {closed_there}
    assert outcome_here[closed_here]["outcome"] == "erased" and "1 photos" in outcome_here[closed_here]["erased"]
    assert outcome_here[open_here]["outcome"] == "detached"
    assert any("still being worked on" in why for why in outcome_here[open_here]["kept"].values())
    payment_kept = outcome_here[paid_here]["kept"]
    assert any("accounts" in why for what, why in payment_kept.items() if what.startswith("payment record"))

    erased = await _row(database, here, paid_here)
    assert erased.contact_email is None and erased.resident_subject is None
    assert "address_line" not in erased.answers and erased.fee_pence is not None  # the payment record stays
    detached = await _row(database, here, open_here)
    assert detached.resident_subject is None and detached.answers["details"] == "Still there"
    assert (await _row(database, there, closed_there)).contact_email is None
    ben_row = await _row(database, here, bens)
    assert ben_row.contact_email == ben_email and ben_row.answers["details"] == "Ben's pothole"

    records = (await operator.get(f"/admin/v1/councils/{here}/erasures")).json()["items"]
    assert {(r["reference"], r["reason"]) for r in records} == {
        (closed_here, "request"),
        (open_here, "request"),
        (paid_here, "request"),
    }
    held = await operator.post("/admin/v1/accounts/data", json={"email": ada_email})
    assert held.status_code == 200 and [e["id"] for e in held.json()["erasures"]] == [erasure["id"]]


async def test_an_unknown_account_or_a_bad_email_is_a_clear_error(operator: httpx.AsyncClient) -> None:
    unknown = await operator.post("/admin/v1/accounts/erase", json={"email": "nobody-here@example.org"})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    bad = await operator.post("/admin/v1/accounts/erase", json={"email": "not an email"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
