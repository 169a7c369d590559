"""The hourly tidy-up: what was delivered everywhere is forgotten after its keeping time, what is still
owed (a dead delivery an officer may retry) stays, and a system's idempotency key is forgotten after a day."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text

from civicshare.housekeeping import tidy_every_council
from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from tests.notifications.receiver import EventReceiver
from tests.notifications.test_outbox_delivery import eventually
from tests.system_api.conftest import council_with_admin, new_key, report_pothole, with_key


async def _in_schema(services: PlatformServices, slug: str, sql: str, **values: Any) -> list[Any]:
    tenant = await services.directory.by_slug(slug)
    assert tenant is not None
    async with services.database.engine.begin() as connection:
        result = await connection.execute(text(sql.replace("{schema}", f'"{tenant.schema}"')), values)
        return list(result.all()) if result.returns_rows else []


async def test_delivered_events_are_forgotten_after_their_keeping_time_and_owed_ones_stay(
    http: httpx.AsyncClient,
    council: object,
    dev_identity: DevIdentity,
    receiver: EventReceiver,
    job_worker: PlatformServices,
) -> None:
    at = await council_with_admin(council, dev_identity)
    old, recent = await report_pothole(http, at.slug), await report_pothole(http, at.slug)
    await eventually(lambda: len(receiver.of(old)) == 1 and len(receiver.of(recent)) == 1)
    receiver.status = 410
    refused = await report_pothole(http, at.slug)
    await eventually(lambda: receiver.refused >= 1)

    month_ago = "now() - interval '31 days'"
    await _in_schema(
        job_worker,
        at.slug,
        f"UPDATE {{schema}}.outbox_events SET occurred_at = {month_ago} WHERE reference IN (:old, :refused)",
        old=old,
        refused=refused,
    )
    tidied = await tidy_every_council(job_worker)

    assert tidied[at.slug].events == 1
    kept = await _in_schema(job_worker, at.slug, "SELECT reference FROM {schema}.outbox_events")
    assert sorted(row.reference for row in kept) == sorted([recent, refused])
    dead = await _in_schema(job_worker, at.slug, "SELECT state FROM {schema}.event_deliveries")
    assert sorted(row.state for row in dead) == ["dead", "delivered"]


async def test_a_systems_idempotency_key_is_forgotten_after_a_day(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, job_worker: PlatformServices
) -> None:
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    crm = with_key((await new_key(http, at))["key"], at.slug, **{"Idempotency-Key": "note-1"})
    note = f"/api/v1/system/requests/{pothole}/updates"
    assert (await http.post(note, json={"text": "Crew booked"}, headers=crm)).status_code == 201
    reused = await http.post(note, json={"text": "Crew on site"}, headers=crm)
    assert reused.status_code == 422, reused.text

    await _in_schema(
        job_worker, at.slug, "UPDATE {schema}.system_idempotency SET created_at = now() - interval '25 hours'"
    )
    tidied = await tidy_every_council(job_worker)

    assert tidied[at.slug].idempotency_keys == 1
    assert (await http.post(note, json={"text": "Crew on site"}, headers=crm)).status_code == 201


async def test_a_running_job_worker_tidies_without_being_asked(
    http: httpx.AsyncClient,
    council: object,
    dev_identity: DevIdentity,
    receiver: EventReceiver,
    job_worker: PlatformServices,
) -> None:
    at = await council_with_admin(council, dev_identity)
    old = await report_pothole(http, at.slug)
    await eventually(lambda: len(receiver.of(old)) == 1)
    await _in_schema(
        job_worker,
        at.slug,
        "UPDATE {schema}.outbox_events SET occurred_at = now() - interval '31 days' WHERE reference = :old",
        old=old,
    )
    for _ in range(100):  # the worker asks for a tidy-up soon after it starts, then hourly
        if not await _in_schema(job_worker, at.slug, "SELECT id FROM {schema}.outbox_events"):
            break
        await asyncio.sleep(0.2)
    assert await _in_schema(job_worker, at.slug, "SELECT id FROM {schema}.outbox_events") == []
