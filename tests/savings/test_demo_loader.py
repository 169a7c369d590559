"""`civicshare demo-data load`: months of realistic transactions and offline counts, written fast,
the same every time, and rolled up exactly as live submissions would be."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from civicshare.app import discover_modules
from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.demo_data import demo_counts, split_platform_and_offline
from civicshare.savings.demo_loader import (
    DEFAULT_POPULATION,
    demo_window,
    demo_workflows,
    load_demo_data,
    transaction_records,
)
from civicshare.savings.measures_service import council_measures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.reporting import council_savings
from civicshare.savings.service import UK_TIME, check_rollups, council_baseline
from civicshare.savings.service_flags import CatalogueServiceFlags
from civicshare.transactions.tables import reference_sequences, transaction_events, transactions
from tests.savings.conftest import LiveCouncilFactory

TODAY = date(2025, 3, 15)
REGISTRY = discover_modules()


async def test_demo_data_loads_once_and_agrees_with_its_rollups(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    [outcome] = await load_demo_data(database, [council], seed=7, months=3, today=TODAY, registry=REGISTRY)
    assert outcome.loaded
    assert (outcome.first_day, outcome.last_day) == (date(2024, 12, 1), date(2025, 3, 14))
    expected = demo_counts(
        council=council.slug, population=DEFAULT_POPULATION, start=date(2024, 12, 1), end=date(2025, 3, 14), seed=7
    )
    platform, offline = split_platform_and_offline(expected)
    assert outcome.transactions == sum(count for *_, count in platform)
    assert outcome.offline_counts == len(offline)

    async with tenant_connection(database.engine, council) as connection:
        assert await check_rollups(connection) == []
        year = func.extract("year", transactions.c.created_at)
        by_year = dict((await connection.execute(select(year, func.count()).group_by(year))).all())
        sequences = dict(
            (await connection.execute(select(reference_sequences.c.year, reference_sequences.c.last_number))).all()
        )
        assert sequences == {int(year): count for year, count in by_year.items()}
        assert (
            await connection.scalar(select(func.count()).select_from(transactions).where(transactions.c.is_test)) == 0
        )
        assert (
            await connection.scalar(select(func.count(func.distinct(transaction_events.c.transaction_id))))
            == outcome.transactions
        )
        baseline = await council_baseline(connection)
        assert {stored.measured_before for stored in baseline.values()} == {date(2025, 1, 1)}
        savings = await council_savings(
            connection, council, CatalogueServiceFlags(), ReportPeriod(start=date(2024, 12, 1), end=date(2025, 3, 14))
        )
        measures = await council_measures(
            connection, council, CatalogueServiceFlags(), ReportPeriod(start=date(2024, 12, 1), end=date(2025, 3, 14))
        )
    # Every web request came from a journey started on the website; some answered the feedback question.
    assert measures.totals.requests_sent == sum(count for _, _, channel, count in platform if channel == "web")
    assert measures.totals.completion_rate is not None and 0.7 <= measures.totals.completion_rate <= 0.9
    assert measures.totals.satisfaction_responses > 0 and measures.totals.cost_per_transaction is not None
    months = savings.report.savings_by_month
    assert [m.month for m in months] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    # The shift online grows, so do the savings per day (March is cut at the 14th, January is whole).
    assert months[-1].savings / 14 > months[1].savings / 31 > 0

    [again] = await load_demo_data(database, [council], seed=7, months=3, today=TODAY, registry=REGISTRY)
    assert not again.loaded


async def test_the_same_seed_gives_the_same_transactions(live_council: LiveCouncilFactory) -> None:
    council = await live_council()
    start, end = demo_window(TODAY, 1)
    platform, _ = split_platform_and_offline(
        demo_counts(council=council.slug, population=50_000, start=start, end=end, seed=3)
    )
    workflows = demo_workflows(REGISTRY)
    first, lives, numbers = transaction_records(
        council, platform, seed=3, today=TODAY, first_numbers={2025: 41}, workflows=workflows
    )
    second, again, _ = transaction_records(
        council, platform, seed=3, today=TODAY, first_numbers={2025: 41}, workflows=workflows
    )
    assert (first, lives) == (second, again)
    assert first[0][0] == f"{council.reference_prefix}-2025-000042"
    assert [row[9] for row in first] == sorted(row[9] for row in first)
    assert numbers[2025] == 41 + len(first)


async def test_demo_requests_walk_their_own_services_workflows(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    await load_demo_data(database, [council], seed=7, months=6, today=TODAY, registry=REGISTRY)
    workflows = demo_workflows(REGISTRY)
    async with tenant_connection(database.engine, council) as connection:
        requests = (await connection.execute(select(transactions))).mappings().all()
        history = (
            (await connection.execute(select(transaction_events).order_by(transaction_events.c.id))).mappings().all()
        )
    moves: dict[int, list[Any]] = {}
    for event in history:
        moves.setdefault(event["transaction_id"], []).append(event)
    now = datetime.combine(TODAY, time(0), tzinfo=UK_TIME)

    for request in requests:
        workflow = workflows[request["service"]].workflow
        assert request["status"] in workflow.states, request["reference"]
        own = moves[request["id"]]
        assert (own[0]["from_status"], own[0]["to_status"]) == (None, workflow.initial)
        for before, after in itertools.pairwise(own):
            assert after["from_status"] == before["to_status"]
            assert after["to_status"] in workflow.allowed_from(before["to_status"]), request["reference"]
            assert request["created_at"] <= before["created_at"] <= after["created_at"] <= now
        assert own[-1]["to_status"] == request["status"]
        if request["status"] in workflow.closing:
            assert request["decided_by"] and request["decision_reason"]

    def finished(chosen: list[Any]) -> float:
        done = [r for r in chosen if r["status"] in workflows[r["service"]].workflow.closing]
        return len(done) / len(chosen)

    def age(request: Any) -> timedelta:
        created_at: datetime = request["created_at"]
        return now - created_at

    staff_work = [r for r in requests if workflows[r["service"]].sla_working_days]
    assert finished([r for r in requests if age(r) > timedelta(days=60)]) > 0.95  # old ones mostly finished
    assert finished([r for r in staff_work if age(r) < timedelta(days=2)]) < 0.5  # recent ones mostly open
    overdue = [
        r for r in staff_work if r["due_on"] < TODAY and r["status"] not in workflows[r["service"]].workflow.closing
    ]
    assert 0 < len(overdue) < 0.1 * len(requests)
