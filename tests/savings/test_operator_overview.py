from datetime import date
from decimal import Decimal

import pytest

from civicshare.savings.avoided_contacts import AvoidedContactAssumptions
from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.operators import build_platform_overview
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import SavingsReport, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.services import ServiceFlags

APRIL = ReportPeriod(start=date(2024, 4, 1), end=date(2024, 4, 30))


def council_report(council: str, phone: int, web: int, sessions: int | None = None) -> SavingsReport:
    day = date(2024, 4, 10)
    return build_savings_report(
        council=council,
        period=APRIL,
        rollups=[
            RollupRow(day=day, service="report-missed-bin", channel=Channel.PHONE, count=phone),
            RollupRow(day=day, service="report-missed-bin", channel=Channel.WEB, count=web),
        ],
        services={"report-missed-bin": ServiceFlags(code="report-missed-bin")},
        unit_costs=UnitCostSchedule(),
        baseline={"report-missed-bin": BaselineMix(shares={Channel.PHONE: Decimal(1)})},
        avoided_contacts=(
            None if sessions is None else AvoidedContactAssumptions(sessions=sessions, avoidance_rate=Decimal("0.2"))
        ),
    )


def test_operators_see_every_council_side_by_side_and_the_platform_total() -> None:
    # Kingston: 60 calls, 40 web. Actual 60 x 2.83 + 40 x 0.15 = 169.80 + 6.00 = 175.80;
    #   baseline all calls: 100 x 2.83 = 283.00; savings 107.20.
    # Havering: 10 calls, 10 web. Actual 28.30 + 1.50 = 29.80; baseline 56.60; savings 26.80.
    overview = build_platform_overview(
        APRIL, [council_report("kingston", 60, 40, sessions=1000), council_report("havering", 10, 10)]
    )

    assert [summary.council for summary in overview.councils] == ["havering", "kingston"]
    assert [summary.figures.savings for summary in overview.councils] == [Decimal("26.80"), Decimal("107.20")]
    # Kingston's app: 1,000 x 0.2 x 2.83 = 566.00.
    assert [summary.avoided_contact_savings for summary in overview.councils] == [None, Decimal("566.00")]
    assert overview.totals.volume == 120
    assert overview.totals.savings == Decimal("134.00")
    # 50 of 120 on the web.
    assert overview.totals.channel_shift_share == Decimal("0.4167")


def test_reports_for_another_period_are_refused() -> None:
    with pytest.raises(ValueError, match="kingston covers a different period"):
        build_platform_overview(
            ReportPeriod(start=date(2024, 4, 1), end=date(2024, 5, 31)), [council_report("kingston", 1, 1)]
        )
