"""Each submission is counted in the council's daily rollups in the same database transaction, and a
rebuild from the raw transactions agrees with the rollups exactly."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, update

from civicshare.db.engine import Database, tenant_connection
from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostOverride
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping, SavingsReport, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.service import (
    check_rollups,
    contact_rollups,
    council_unit_costs,
    daily_contact_rollups,
    rebuild_rollups,
    record_contact,
    set_unit_cost,
    stored_rollup_counts,
    uk_day,
)
from civicshare.savings.service_flags import CatalogueServiceFlags
from civicshare.savings.tables import offline_contact_counts
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import NewTransaction, create_transaction
from civicshare.transactions.tables import daily_rollups, transactions
from tests.conftest import CouncilFactory
from tests.savings.conftest import LiveCouncilFactory
from tests.support import tenant_context_for


def pothole(channel: str = "web", service: str = "report-pothole") -> NewTransaction:
    return NewTransaction(
        module="highways",
        service=service,
        channel=channel,
        status="received",
        answers={"description": "a deep pothole outside the library"},
        contact_email="resident@example.org",
    )


async def submit(database: Database, council: TenantContext, new: NewTransaction) -> None:
    async with tenant_connection(database.engine, council) as connection:
        await create_transaction(connection, council, new)


async def test_a_submission_is_counted_in_the_days_rollup(database: Database, live_council: LiveCouncilFactory) -> None:
    council = await live_council()
    for channel in ("web", "web", "app", "phone"):
        await submit(database, council, pothole(channel))
    await submit(database, council, pothole("web", service="report-missed-bin"))

    today = uk_day(datetime.now(UTC))
    async with tenant_connection(database.engine, council) as connection:
        assert await stored_rollup_counts(connection) == {
            (today, "report-pothole", "web", False): 2,
            (today, "report-pothole", "app", False): 1,
            (today, "report-pothole", "phone", False): 1,
            (today, "report-missed-bin", "web", False): 1,
        }
        assert await check_rollups(connection) == []


async def test_a_submission_that_rolls_back_is_not_counted(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()

    class ResidentGaveUp(Exception):
        pass

    async def give_up_after_submitting() -> None:
        async with tenant_connection(database.engine, council) as connection:
            await create_transaction(connection, council, pothole())
            raise ResidentGaveUp

    with pytest.raises(ResidentGaveUp):
        await give_up_after_submitting()
    async with tenant_connection(database.engine, council) as connection:
        assert await stored_rollup_counts(connection) == {}


async def test_trial_transactions_are_counted_apart_and_left_out_of_reports(
    database: Database, make_council: CouncilFactory
) -> None:
    definition = await make_council()  # councils start in trial mode
    council = await tenant_context_for(database, definition.slug)
    await submit(database, council, pothole())
    today = uk_day(datetime.now(UTC))
    async with tenant_connection(database.engine, council) as connection:
        assert await stored_rollup_counts(connection) == {(today, "report-pothole", "web", True): 1}
        assert await contact_rollups(connection, ReportPeriod(start=today, end=today)) == []


def test_a_contact_belongs_to_its_day_in_uk_time() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (British Summer Time)...
    assert uk_day(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == date(2025, 7, 1)
    # ...but still 30 December in winter, when London is on UTC.
    assert uk_day(datetime(2025, 12, 30, 23, 30, tzinfo=UTC)) == date(2025, 12, 30)


async def test_a_rebuild_repairs_wrong_rollups_and_agrees_with_the_raw_transactions(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    for channel in ("web", "web", "phone"):
        await submit(database, council, pothole(channel))
    async with tenant_connection(database.engine, council) as connection:
        # A transaction made near midnight UTC in summer, inserted raw: it belongs to 1 July in the UK.
        await connection.execute(
            insert(transactions).values(
                reference=f"{council.reference_prefix}-2025-900001",
                module="highways",
                service="report-pothole",
                channel="app",
                status="received",
                submitter_kind="anonymous",
                created_at=datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
            )
        )
        await connection.execute(
            update(daily_rollups).where(daily_rollups.c.channel == "phone").values(count=daily_rollups.c.count + 5)
        )
        # Offline counts are kept apart and a rebuild leaves them alone.
        await connection.execute(
            insert(offline_contact_counts).values(
                day=date(2025, 7, 1), service="report-pothole", channel="phone", count=9
            )
        )

    async with tenant_connection(database.engine, council) as connection:
        wrong = await check_rollups(connection)
        assert [(m.day, m.channel, m.stored, m.rebuilt) for m in wrong] == [
            (date(2025, 7, 1), "app", 0, 1),
            (uk_day(datetime.now(UTC)), "phone", 6, 1),
        ]
        outcome = await rebuild_rollups(connection, council)
        assert outcome.mismatches == tuple(wrong)
    async with tenant_connection(database.engine, council) as connection:
        assert await check_rollups(connection) == []
        july = await daily_contact_rollups(connection, before=date(2025, 7, 2), since=date(2025, 7, 1))
        assert {(row.channel, row.count) for row in july} == {(Channel.APP, 1), (Channel.PHONE, 9)}


async def test_many_submissions_from_many_places_agree_with_a_rebuild(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    council = await live_council()
    rng = random.Random(6)
    services = ["report-pothole", "report-missed-bin", "pay-council-tax", "order-bin"]
    channels = ["web", "app", "phone", "face_to_face", "email", "webchat"]
    for _ in range(60):
        await submit(database, council, pothole(rng.choice(channels), rng.choice(services)))
    async with tenant_connection(database.engine, council) as connection:
        before = await stored_rollup_counts(connection)
        assert sum(before.values()) == 60
        assert await check_rollups(connection) == []
        assert (await rebuild_rollups(connection, council)).mismatches == ()
        assert await stored_rollup_counts(connection) == before


async def test_summing_by_unit_cost_stretches_gives_the_same_report_as_daily_rows(
    database: Database, live_council: LiveCouncilFactory
) -> None:
    """Reports let PostgreSQL sum rollups between unit-cost changes; the figures must not change."""
    council = await live_council()
    rng = random.Random(11)
    async with tenant_connection(database.engine, council) as connection:
        rows = [
            {
                "day": date(2024, 1, 1) + timedelta(days=offset),
                "service": service,
                "channel": channel,
                "is_test": False,
                "count": rng.randrange(1, 40),
            }
            for offset in range(0, 120, 3)
            for service in ("report-pothole", "pay-council-tax")
            for channel in ("web", "phone", "face_to_face")
        ]
        await connection.execute(insert(daily_rollups), rows)
        for channel, cost, service, start in (
            (Channel.PHONE, "3.10", None, date(2024, 2, 14)),
            (Channel.PHONE, "3.40", "report-pothole", date(2024, 3, 9)),
            (Channel.WEB, "0.21", None, date(2024, 3, 20)),
        ):
            override = UnitCostOverride(channel=channel, unit_cost=Decimal(cost), service=service, effective_from=start)
            await set_unit_cost(connection, override)
        costs = await council_unit_costs(connection, council)
        period = ReportPeriod(start=date(2024, 1, 10), end=date(2024, 4, 20))
        stretched = await contact_rollups(
            connection, period, cost_changes={o.effective_from for o in costs.schedule.overrides}
        )
        daily = await daily_contact_rollups(connection)
    assert len(stretched) < len([row for row in daily if period.includes(row.day)]) / 2
    baseline = {
        "report-pothole": BaselineMix(shares={Channel.PHONE: Decimal("0.7"), Channel.FACE_TO_FACE: Decimal("0.3")})
    }

    def report(rows: list[RollupRow]) -> SavingsReport:
        return build_savings_report(
            council=council.slug,
            period=period,
            rollups=rows,
            services=CatalogueServiceFlags().service_flags(council.slug),
            unit_costs=costs.schedule,
            baseline=baseline,
            group_by=(Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL),
        )

    assert report(stretched) == report(daily)
    assert report(stretched).totals.savings != 0


async def test_counting_a_contact_needs_a_connection_routed_to_a_council(database: Database) -> None:
    async with database.engine.begin() as connection:
        with pytest.raises(RuntimeError, match="routed to a council"):
            await record_contact(
                connection, day=date(2025, 1, 1), service="report-missed-bin", channel="web", is_test=False
            )
