"""A council keeps residents' personal data only as long as it set: its retention job erases what is
due (names, emails, free text, fine addresses, photos), keeps the anonymised record, and the savings
figures stay the same to the penny. Every erasure is on record, with what was kept and why."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.storage import file_store
from civicshare.transactions.attachments import council_attachments
from civicshare.transactions.tables import attachments, transaction_events, transactions
from civicshare.worker import run_job_worker
from tests.auth.conftest import CouncilWithOrganization
from tests.privacy.conftest import HIGHWAYS, PNG, closed_ago, decide, officer_token, report_pothole
from tests.support import host_for, tenant_context_for


async def _row(database: Database, slug: str, reference: str) -> Any:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        return (await connection.execute(select(transactions).where(transactions.c.reference == reference))).one()


async def _retention(operator: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    answer = await operator.get(f"/admin/v1/councils/{slug}/retention")
    assert answer.status_code == 200, answer.text
    return {item["service"]: item for item in answer.json()["services"]} | {"first_due": answer.json()["first_due"]}


async def test_a_retention_run_erases_what_is_due_and_the_savings_stay_the_same_to_the_penny(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    settings: Settings,
    job_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    staff = await officer_token(dev_identity, slug)
    # The council keeps pothole reports' personal data 12 months after closing (its module says 24)
    changed = await operator.patch(f"/admin/v1/councils/{slug}", json={"retention_months": {"report-pothole": 12}})
    assert changed.status_code == 200, changed.text

    old = await report_pothole(http, slug, "ada@example.org", details="I'm Ada, ring 07700 900123", photo=PNG)
    recent = await report_pothole(http, slug, "ben@example.org", details="Ben here")
    still_open = await report_pothole(http, slug, "cy@example.org", details="Cy here")
    for reference in (old, recent):
        await decide(http, slug, staff, reference, "Filled in by the highways team")
    await closed_ago(database, slug, old, days=400)
    await closed_ago(database, slug, recent, days=60)
    photos_kept = council_attachments(file_store(settings), await tenant_context_for(database, slug))
    assert await photos_kept.list(old)

    report_url = "/api/v1/savings/report"
    savings_headers = host_for(slug) | {"Authorization": f"Bearer {staff}"}
    savings_before = await http.get(report_url, headers=savings_headers)
    assert savings_before.status_code == 200, savings_before.text

    # Councils see what is due for erasure
    due = await _retention(operator, slug)
    assert due["report-pothole"]["months"] == 12 and due["report-pothole"]["set_by_council"] is True
    assert due["report-streetlight"]["months"] == 24 and due["report-streetlight"]["set_by_council"] is False
    assert due["report-pothole"]["due_for_erasure"] == 1
    assert [item["reference"] for item in due["first_due"]] == [old]

    # The retention job runs (as the hourly housekeeping asks for it)
    queued = await operator.post(f"/admin/v1/councils/{slug}/retention-runs")
    assert queued.status_code == 202, queued.text
    deadline = asyncio.get_running_loop().time() + 30
    while (after := await _retention(operator, slug))["report-pothole"]["due_for_erasure"]:
        assert asyncio.get_running_loop().time() < deadline, "the retention job never ran"
        await asyncio.sleep(0.2)
    assert after["report-pothole"]["erased_so_far"] == 1

    erased = await _row(database, slug, old)
    assert erased.contact_email is None and erased.resident_subject is None
    assert "details" not in erased.answers  # free text is personal by default
    assert erased.answers["size"] == "large" and erased.answers["on"] == "road"  # choices are not
    assert (erased.latitude, erased.longitude) == (Decimal("51.412"), Decimal("-0.301"))  # coarse location kept
    assert (erased.reference, erased.service, erased.channel, erased.status) == (
        old,
        "report-pothole",
        "web",
        "resolved",
    )
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        history = (
            await connection.execute(
                select(transaction_events.c.to_status, transaction_events.c.note)
                .where(transaction_events.c.transaction_id == erased.id)
                .order_by(transaction_events.c.id)
            )
        ).all()
        photos = (await connection.execute(select(attachments).where(attachments.c.transaction_id == erased.id))).all()
    assert [status for status, _ in history][-1] == "resolved"  # the status history stays
    assert all(note is None for _, note in history)  # its free text does not
    assert photos == [] and not await photos_kept.list(old)

    for untouched, email in ((recent, "ben@example.org"), (still_open, "cy@example.org")):
        row = await _row(database, slug, untouched)
        assert row.contact_email == email and row.answers["details"]

    # Officers and Open311 clients still read the anonymised request
    officer_view = await http.get(f"/api/v1/staff/transactions/{old}", headers=savings_headers)
    assert officer_view.status_code == 200 and "ada@example.org" not in officer_view.text
    georeport = await http.get(f"/open311/v2/requests/{old}.json", headers=host_for(slug))
    assert georeport.status_code == 200 and georeport.json()[0]["status"] == "closed"
    assert "07700" not in georeport.text

    # The savings figures are unchanged to the penny
    savings_after = await http.get(report_url, headers=savings_headers)
    assert savings_after.json() == savings_before.json()

    # The erasure is on record with what was kept and why
    records = (await operator.get(f"/admin/v1/councils/{slug}/erasures")).json()["items"]
    assert [(r["reference"], r["reason"], r["outcome"]) for r in records] == [(old, "retention", "erased")]
    assert "answer: details" in records[0]["erased"] and "1 photos" in records[0]["erased"]
    assert any("savings" in why for why in records[0]["kept"].values())

    # A second run finds nothing more to do
    again = await operator.post(f"/admin/v1/councils/{slug}/retention-runs")
    assert again.status_code == 202


async def test_retention_periods_are_checked_and_other_councils_keep_theirs(
    operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council(**HIGHWAYS)
    other = await council(**HIGHWAYS)
    refused = await operator.patch(f"/admin/v1/councils/{slug}", json={"retention_months": {"report-pothole": 0}})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert (
        await operator.patch(f"/admin/v1/councils/{slug}", json={"retention_months": {"report-pothole": 6}})
    ).is_success
    assert (await _retention(operator, slug))["report-pothole"]["months"] == 6
    assert (await _retention(operator, other))["report-pothole"]["months"] == 24
    unknown = await operator.get("/admin/v1/councils/no-such-council/retention")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_a_running_job_worker_erases_what_is_due_without_being_asked(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
    settings: Settings,
    database_url: str,
) -> None:
    slug = await council(**HIGHWAYS)
    staff = await officer_token(dev_identity, slug)
    old = await report_pothole(http, slug, "dora@example.org", details="Dora's pothole")
    await decide(http, slug, staff, old, "Filled in")
    await closed_ago(database, slug, old, days=800)  # past the standard 24 months

    quick = settings.model_copy(update={"outbox_sweep_seconds": 0.2})  # a worker's rounds, seconds apart
    services = build_services(quick, Database(make_engine(database_url, pool_size=4), database_url))
    worker = asyncio.create_task(run_job_worker(services, install_signal_handlers=False, outbox=False))
    try:
        deadline = asyncio.get_running_loop().time() + 60
        # The worker's housekeeping asks for each council's retention run soon after it starts, then hourly
        while (await _retention(operator, slug))["report-pothole"]["due_for_erasure"]:
            assert asyncio.get_running_loop().time() < deadline, "no retention run without being asked"
            await asyncio.sleep(0.2)
    finally:
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker
        await services.database.dispose()
    assert (await _row(database, slug, old)).contact_email is None
