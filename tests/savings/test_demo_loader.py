"""`civicshare demo-data load`: months of realistic transactions and offline counts, written fast,
the same every time, and rolled up exactly as live submissions would be."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.demo_data import demo_counts, split_platform_and_offline
from civicshare.savings.demo_loader import DEFAULT_POPULATION, demo_window, load_demo_data, transaction_records
from civicshare.savings.period import ReportPeriod
from civicshare.savings.reporting import council_savings
from civicshare.savings.service import check_rollups, council_baseline
from civicshare.savings.service_flags import CatalogueServiceFlags
from civicshare.transactions.tables import reference_sequences, transaction_events, transactions
from tests.savings.conftest import LiveCouncilFactory

TODAY = date(2025, 3, 15)


async def test_demo_data_loads_once_and_agrees_with_its_rollups(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    [outcome] = await load_demo_data(database, [council], seed=7, months=3, today=TODAY)
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
    months = savings.report.savings_by_month
    assert [m.month for m in months] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    # The shift online grows, so do the savings per day (March is cut at the 14th, January is whole).
    assert months[-1].savings / 14 > months[1].savings / 31 > 0

    [again] = await load_demo_data(database, [council], seed=7, months=3, today=TODAY)
    assert not again.loaded


async def test_the_same_seed_gives_the_same_transactions(live_council: LiveCouncilFactory) -> None:
    council = await live_council()
    start, end = demo_window(TODAY, 1)
    platform, _ = split_platform_and_offline(
        demo_counts(council=council.slug, population=50_000, start=start, end=end, seed=3)
    )
    first, numbers = transaction_records(council, platform, seed=3, today=TODAY, first_numbers={2025: 41})
    second, _ = transaction_records(council, platform, seed=3, today=TODAY, first_numbers={2025: 41})
    assert first == second
    assert first[0][0] == f"{council.reference_prefix}-2025-000042"
    assert [row[9] for row in first] == sorted(row[9] for row in first)
    assert numbers[2025] == 41 + len(first)
