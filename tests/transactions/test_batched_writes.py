"""Submissions that arrive together are written together, and each still gets exactly its own answer:
its own row, the next number in an unbroken sequence, its count in the rollup, or its own refusal."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from civicshare.db.engine import Database, tenant_connection
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.batching import TransactionWriter
from civicshare.transactions.service import DuplicateSubmission, NewTransaction
from civicshare.transactions.tables import daily_rollups, transaction_events, transactions
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for


def report(number: int, key: str | None = None) -> NewTransaction:
    return NewTransaction(
        module="highways",
        service="report-streetlight",
        channel="web",
        status="submitted",
        answers={"location_description": f"Lamp post {number}", "fault": "out"},
        contact_email=f"resident{number}@example.org",
        idempotency_key=key,
        actor=f"resident:{number}",
    )


def sequence_number(row: dict[str, object]) -> int:
    return int(str(row["reference"]).rsplit("-", 1)[1])


async def council(database: Database, make_council: CouncilFactory) -> TenantContext:
    return await tenant_context_for(database, (await make_council()).slug)


async def test_residents_submitting_at_once_each_get_their_own_row_and_an_unbroken_sequence(
    database: Database, make_council: CouncilFactory
) -> None:
    kingston = await council(database, make_council)
    writer = TransactionWriter(database.engine)

    rows = await asyncio.gather(*(writer.create(kingston, report(number)) for number in range(40)))

    for number, row in enumerate(rows):
        assert row["answers"]["location_description"] == f"Lamp post {number}"
        assert row["contact_email"] == f"resident{number}@example.org"
    assert sorted(sequence_number(row) for row in rows) == list(range(1, 41))
    async with tenant_connection(database.engine, kingston) as connection:
        events = (await connection.execute(select(transaction_events))).mappings().all()
        counted = await connection.scalar(select(func.sum(daily_rollups.c.count)))
    assert sorted(event["actor"] for event in events) == sorted(f"resident:{number}" for number in range(40))
    assert {event["transaction_id"] for event in events} == {row["id"] for row in rows}
    assert counted == 40


async def test_a_reused_key_among_others_is_refused_alone_and_leaves_no_gap(
    database: Database, make_council: CouncilFactory
) -> None:
    kingston = await council(database, make_council)
    writer = TransactionWriter(database.engine)
    first = await writer.create(kingston, report(0, key="retry-me"))

    outcomes = await asyncio.gather(
        *(writer.create(kingston, report(number, key=f"key-{number}")) for number in range(1, 6)),
        writer.create(kingston, report(99, key="retry-me")),
        return_exceptions=True,
    )

    *written, refused = outcomes
    assert isinstance(refused, DuplicateSubmission) and refused.existing["id"] == first["id"]
    assert sorted(sequence_number(row) for row in written) == [2, 3, 4, 5, 6]  # type: ignore[arg-type]
    async with tenant_connection(database.engine, kingston) as connection:
        assert await connection.scalar(select(func.count()).select_from(transactions)) == 6


async def test_two_councils_writing_at_once_keep_their_own_numbers(
    database: Database, make_council: CouncilFactory
) -> None:
    kingston, newham = await council(database, make_council), await council(database, make_council)
    writer = TransactionWriter(database.engine)

    rows = await asyncio.gather(
        *(writer.create(kingston if number % 2 else newham, report(number)) for number in range(20))
    )

    kingstons = [row for row in rows if str(row["reference"]).startswith(kingston.reference_prefix)]
    newhams = [row for row in rows if str(row["reference"]).startswith(newham.reference_prefix)]
    assert sorted(map(sequence_number, kingstons)) == list(range(1, 11))
    assert sorted(map(sequence_number, newhams)) == list(range(1, 11))


@pytest.mark.parametrize("size", [1, 2])
async def test_a_statement_that_fails_fails_every_submission_waiting_on_it(
    database: Database, make_council: CouncilFactory, size: int
) -> None:
    kingston = await council(database, make_council)
    missing = TenantContext(**{**kingston.__dict__, "schema": "tenant_not_there"})
    writer = TransactionWriter(database.engine)

    outcomes = await asyncio.gather(
        *(writer.create(missing, report(number)) for number in range(size)), return_exceptions=True
    )

    assert all(isinstance(outcome, Exception) for outcome in outcomes)


async def test_a_row_the_database_refuses_fails_only_its_own_submission(
    database: Database, make_council: CouncilFactory
) -> None:
    kingston = await council(database, make_council)
    writer = TransactionWriter(database.engine)
    unstorable = replace(report(99), answers={"location_description": "Lamp post \x00", "fault": "out"})
    await writer.create(kingston, report(0))  # in flight while the others queue: they go together next

    outcomes = await asyncio.gather(
        *(writer.create(kingston, report(number)) for number in range(1, 6)),
        writer.create(kingston, unstorable),
        *(writer.create(kingston, report(number)) for number in range(6, 11)),
        return_exceptions=True,
    )

    refused = outcomes.pop(5)
    assert isinstance(refused, Exception) and not isinstance(refused, DuplicateSubmission)
    assert all(isinstance(row, dict) for row in outcomes), outcomes
    assert sorted(sequence_number(row) for row in outcomes) == list(range(2, 12))  # type: ignore[arg-type]
    async with tenant_connection(database.engine, kingston) as connection:
        assert await connection.scalar(select(func.count()).select_from(transactions)) == 11


async def test_those_waiting_behind_a_submission_whose_resident_went_away_are_still_written(
    database: Database, make_council: CouncilFactory
) -> None:
    kingston = await council(database, make_council)
    writer = TransactionWriter(database.engine)
    gone = asyncio.create_task(writer.create(kingston, report(0)))
    await asyncio.sleep(0)  # its statement is on its way: the next ones queue behind it
    waiting = [asyncio.create_task(writer.create(kingston, report(number))) for number in (1, 2)]
    await asyncio.sleep(0)
    gone.cancel()

    rows = await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)

    assert [row["answers"]["location_description"] for row in rows] == ["Lamp post 1", "Lamp post 2"]
    with pytest.raises(asyncio.CancelledError):
        await gone
