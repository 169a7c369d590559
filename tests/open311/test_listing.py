"""GET requests.json without ids, as a CRM polls it: PostgreSQL writes the answer (`listing`), each node
keeps its latest copy, and a client's ETag is answered 304. The text must be byte for byte what each
request reads alone (`/requests/{id}.json`, written by Python), and no copy may outlive a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar.config.compression import CompressionConfig
from sqlalchemy import insert, update

from civicshare.app import build_services, create_app
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.integrations.open311.answers import Answer, RecentAnswers, answer_key
from civicshare.integrations.open311.service import RequestQuery
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import transactions
from tests.conftest import CouncilFactory
from tests.support import host_for, tenant_context_for

REQUESTS = "/open311/v2/requests.json"
# What a typed address or a decision's reason may hold: every character JSON escapes, markup, non-ASCII.
AWKWARD = 'Flat "2", 3 <Mill> Lane & Co \\ back\nslash\ttab\x01\x1f\x7f é ✓ \u2028 end'


def _enabled(*codes: str) -> dict[str, dict[str, Any]]:
    return {code: {"enabled": True, "settings": {}} for code in codes}


def _row(tenant: TenantContext, number: int, created_at: datetime, **values: Any) -> dict[str, Any]:
    return {
        "reference": f"{tenant.reference_prefix}-2026-{number:06d}",
        "module": "highways",
        "service": "report-pothole",
        "channel": "app",
        "status": "submitted",
        "submitter_kind": "anonymous",
        "created_at": created_at,
        "updated_at": created_at + timedelta(minutes=5, microseconds=999_999),
        "latitude": None,
        "longitude": None,
        "address": None,
        "due_on": None,
        "decision_reason": None,
        "decision_public": False,
        "closed_at": None,
        **values,
    }


async def _awkward_requests(database: Database, tenant: TenantContext) -> None:
    """Requests whose every public field is at an edge of the encoding: escapes, coordinates near zero,
    due days in summer and winter time, decisions shown and kept, a place kept private (a missed bin),
    and two made in the same microsecond."""
    now = datetime.now(UTC).replace(microsecond=123_456)
    coordinates = [
        ("51.410100", "-0.300200"),
        ("0.000001", "-0.000009"),
        ("0.000010", "-0.000050"),
        ("51.000000", "-1.000000"),
        ("0.000000", "0.100000"),
        ("-89.999999", "179.999999"),
        ("0.000120", "-0.001000"),
        (None, None),
    ]
    rows = []
    for number, (latitude, longitude) in enumerate(coordinates, start=1):
        rows.append(
            _row(
                tenant,
                number,
                now - timedelta(hours=number),
                latitude=Decimal(latitude) if latitude else None,
                longitude=Decimal(longitude) if longitude else None,
                address=AWKWARD if number % 2 else None,
                due_on=[date(2026, 7, 1), date(2026, 12, 1), date(2026, 3, 29), date(2026, 10, 25), None][number % 5],
            )
        )
    same_moment = now - timedelta(days=3)
    rows += [
        _row(tenant, 20, same_moment, status="resolved", closed_at=now, decision_reason=AWKWARD, decision_public=True),
        _row(tenant, 21, same_moment, status="resolved", closed_at=now, decision_reason="Kept", decision_public=False),
        _row(tenant, 22, same_moment, status="rejected", closed_at=now, decision_public=True),
        _row(tenant, 23, now - timedelta(days=4), status="in_progress", decision_reason="Yet", decision_public=True),
        _row(
            tenant,
            24,
            now - timedelta(days=5),
            module="waste",
            service="report-missed-bin",
            address="12 Private Road",
            latitude=Decimal("51.4"),
            longitude=Decimal("-0.3"),
        ),
        _row(tenant, 25, now - timedelta(days=95)),  # outside the default window
    ]
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(insert(transactions), rows)


@pytest.fixture
async def second_node(settings: Settings, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another app node on the same database, with copies of its own."""
    database = Database(make_engine(database_url, pool_size=2), database_url)
    services: PlatformServices = build_services(settings, database)
    app: Any = create_app(settings, services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client
    await services.database.dispose()


async def _each_read_alone(http: httpx.AsyncClient, slug: str, references: list[str]) -> bytes:
    """The listing the by-id answers of `references` make, in that order."""
    alone = []
    for reference in references:
        read = await http.get(f"/open311/v2/requests/{reference}.json", headers=host_for(slug))
        assert read.status_code == 200, read.text
        alone.append(read.content.removeprefix(b"[").removesuffix(b"]"))
    return b"[" + b",".join(alone) + b"]"


async def test_the_listing_is_byte_for_byte_what_each_request_reads_alone(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    slug = (await make_council(modules=_enabled("highways", "waste"))).slug
    tenant = await tenant_context_for(database, slug)
    await _awkward_requests(database, tenant)

    listed = await http.get(REQUESTS, headers=host_for(slug))
    assert listed.status_code == 200, listed.text
    references = [request["service_request_id"] for request in listed.json()]
    assert len(references) == 13 and references[-1].endswith("-000024"), "newest first, the 95-day-old left out"
    assert references[8:11] == [f"{tenant.reference_prefix}-2026-{n:06d}" for n in (22, 21, 20)], "ties: newest id"
    assert listed.content == await _each_read_alone(http, slug, references)
    assert listed.headers["content-type"] == "application/json"

    by_code = await http.get(REQUESTS, params={"service_code": "report-missed-bin"}, headers=host_for(slug))
    assert by_code.json() == [listed.json()[-1]] and by_code.json()[0]["address"] == ""
    closed = await http.get(REQUESTS, params={"status": "closed"}, headers=host_for(slug))
    assert [request["status_notes"] for request in closed.json()] == [None, None, AWKWARD]
    assert (await http.get(REQUESTS, params={"status": "open", "service_code": "report-streetlight"},
                           headers=host_for(slug))).content == b"[]"  # fmt: skip


async def test_a_polling_client_gets_304_until_a_change_made_anywhere(
    http: httpx.AsyncClient, second_node: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    mine = await make_council(modules=_enabled("highways"))
    theirs = await make_council(modules=_enabled("highways"))
    tenant = await tenant_context_for(database, mine.slug)
    other = await tenant_context_for(database, theirs.slug)
    now = datetime.now(UTC)
    for council in (tenant, other):
        async with tenant_connection(database.engine, council) as connection:
            await connection.execute(insert(transactions), [_row(council, 1, now, address="1 Mill")])

    first = await http.get(REQUESTS, headers=host_for(mine.slug))
    assert [request["service_request_id"] for request in first.json()] == [f"{tenant.reference_prefix}-2026-000001"]
    tag = first.headers["etag"]
    again = await http.get(REQUESTS, headers={**host_for(mine.slug), "If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    on_the_other_node = await second_node.get(REQUESTS, headers={**host_for(mine.slug), "If-None-Match": tag})
    assert on_the_other_node.status_code == 304
    theirs_listed = await http.get(REQUESTS, headers={**host_for(theirs.slug), "If-None-Match": tag})
    assert theirs_listed.status_code == 200, "another council's tag is not this council's answer"
    assert theirs_listed.json()[0]["service_request_id"] == f"{other.reference_prefix}-2026-000001"
    assert theirs_listed.json()[0]["agency_responsible"] == other.name

    # An erasure rewrites the address without touching updated_at: still a change every node shows.
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(update(transactions).values(address="Removed"))
    for node in (second_node, http, http):
        changed = await node.get(REQUESTS, headers={**host_for(mine.slug), "If-None-Match": tag})
        assert changed.status_code == 200 and changed.json()[0]["address"] == "Removed"
        assert changed.headers["etag"] != tag
    assert (await http.get(REQUESTS, headers=host_for(theirs.slug))).json()[0]["address"] == "1 Mill"


async def test_a_node_holding_an_answer_rebuilds_it_byte_for_byte_from_what_changed(
    http: httpx.AsyncClient, second_node: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    slug = (await make_council(modules=_enabled("highways", "waste"))).slug
    tenant = await tenant_context_for(database, slug)
    await _awkward_requests(database, tenant)
    held = await http.get(REQUESTS, headers=host_for(slug))
    assert held.status_code == 200

    now = datetime.now(UTC)
    prefix = tenant.reference_prefix
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(insert(transactions), [_row(tenant, 30, now, address=AWKWARD), _row(tenant, 31, now)])
        await connection.execute(
            update(transactions)
            .where(transactions.c.reference.in_([f"{prefix}-2026-000003", f"{prefix}-2026-000023"]))
            .values(status="resolved", closed_at=now, decision_reason="Mended", address="Removed")
        )
        await connection.execute(
            update(transactions)
            .where(transactions.c.reference == f"{prefix}-2026-000024")
            .values(created_at=now - timedelta(days=99))
        )

    changed = await http.get(REQUESTS, headers=host_for(slug))
    assert changed.status_code == 200 and changed.headers["etag"] != held.headers["etag"]
    references = [request["service_request_id"] for request in changed.json()]
    assert len(references) == 14 and f"{prefix}-2026-000024" not in references
    assert changed.content == await _each_read_alone(http, slug, references)
    assert (await second_node.get(REQUESTS, headers=host_for(slug))).content == changed.content, "built afresh"
    assert (await http.get(REQUESTS, headers=host_for(slug))).content == changed.content, "the node's copy"

    # Changed again: the copy rebuilt above (its ids and versions put together from the one before and the
    # fresh rows) is what this rebuild starts from.
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(insert(transactions), [_row(tenant, 32, now)])
        await connection.execute(
            update(transactions)
            .where(transactions.c.reference.in_([f"{prefix}-2026-000030", f"{prefix}-2026-000005"]))
            .values(status="resolved", closed_at=now, decision_reason="Done again", decision_public=True)
        )
    again = await http.get(REQUESTS, headers=host_for(slug))
    references = [request["service_request_id"] for request in again.json()]
    assert len(references) == 15 and "Done again" in again.text
    assert again.content == await _each_read_alone(http, slug, references)
    assert (await http.get(REQUESTS, headers=host_for(slug))).content == again.content, "the node's copy"


async def test_a_compressed_listing_is_the_same_answer(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    slug = (await make_council(modules=_enabled("highways"))).slug
    tenant = await tenant_context_for(database, slug)
    now = datetime.now(UTC)
    rows = [_row(tenant, number, now - timedelta(minutes=number), address=AWKWARD) for number in range(1, 40)]
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(insert(transactions), rows)
    plain = await http.get(REQUESTS, headers={**host_for(slug), "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for coding in ("br", "gzip", "br", "gzip"):  # the second time from the node's copy
        compressed = await http.get(REQUESTS, headers={**host_for(slug), "Accept-Encoding": coding})
        assert compressed.headers["content-encoding"] == coding
        assert compressed.headers["vary"] == "Accept-Encoding"
        assert compressed.content == plain.content  # httpx decodes it


def test_a_node_keeps_the_most_recently_served_answers_within_its_budget() -> None:
    answers = RecentAnswers(most_bytes=1000)
    now = datetime.now(UTC)
    keys = [answer_key(f"tenant_{n}", "Council", RequestQuery(("report-pothole",), now, now, frozenset({"open"})))
            for n in range(3)]  # fmt: skip
    answers.put(keys[0], Answer("1-1", b"x" * 400))
    answers.put(keys[1], Answer("1-2", b"y" * 400))
    assert answers.get(keys[0]) is not None  # served again: now the most recent
    answers.put(keys[2], Answer("1-3", b"z" * 400))
    assert answers.get(keys[1]) is None and answers.get(keys[0]) is not None
    held = answers.get(keys[2])
    assert held is not None
    answers.encoded(keys[2], held, "gzip", CompressionConfig(backend="gzip"))
    assert answers.held_bytes <= 1000
    answers.put(keys[0], Answer("2-1", b"w" * 2000))  # too big to keep: the stale copy goes too
    assert answers.get(keys[0]) is None
