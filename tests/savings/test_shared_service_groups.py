"""Newham, Havering and Waltham Forest share one portal and its cost."""

import tomllib
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.groups import Apportionment, SharedServiceGroup, build_group_report
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import SavingsReport, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.services import ServiceFlags

PERIOD = ReportPeriod(start=date(2024, 4, 1), end=date(2025, 3, 31))
MEMBERS = ("newham", "havering", "waltham-forest")


def council_report(council: str, web_contacts: int) -> SavingsReport:
    return build_savings_report(
        council=council,
        period=PERIOD,
        rollups=[RollupRow(day=date(2024, 6, 3), service="report-missed-bin", channel=Channel.WEB, count=web_contacts)],
        services={"report-missed-bin": ServiceFlags(code="report-missed-bin")},
        unit_costs=UnitCostSchedule(),
        baseline={},
    )


REPORTS = {
    "newham": council_report("newham", 5000),
    "havering": council_report("havering", 3000),
    "waltham-forest": council_report("waltham-forest", 1000),
}


def test_platform_cost_apportioned_by_volume_adds_up_to_the_penny() -> None:
    group = SharedServiceGroup(
        name="east-london-portal",
        members=MEMBERS,
        shared_platform_cost=Decimal("1000.00"),
        apportionment=Apportionment.BY_VOLUME,
    )

    report = build_group_report(group, REPORTS)

    # 100,000p by 5,000 : 3,000 : 1,000 -> quotas 55,555.56p, 33,333.33p, 11,111.11p.
    # Floors 55,555 + 33,333 + 11,111 = 99,999p; the 1p left goes to Newham's largest remainder (0.56).
    assert [(member.council, member.platform_cost_share) for member in report.members] == [
        ("newham", Decimal("555.56")),
        ("havering", Decimal("333.33")),
        ("waltham-forest", Decimal("111.11")),
    ]
    assert sum(member.platform_cost_share for member in report.members) == Decimal("1000.00")
    # Each member's own figures, side by side, and the group's total: 5,000 x 0.15 = 750.00 and so on.
    assert [member.figures.actual_cost for member in report.members] == [
        Decimal("750.00"),
        Decimal("450.00"),
        Decimal("150.00"),
    ]
    assert report.totals.volume == 9000
    assert report.totals.actual_cost == Decimal("1350.00")
    # No baselines, so no savings: net of the platform cost the group is 1,000.00 down.
    assert report.members[0].savings_after_platform_cost == Decimal("-555.56")
    assert report.savings_after_platform_cost == Decimal("-1000.00")


def test_platform_cost_apportioned_by_fixed_shares_adds_up_to_the_penny() -> None:
    group = SharedServiceGroup(
        name="east-london-portal",
        members=MEMBERS,
        shared_platform_cost=Decimal("999.99"),
        apportionment=Apportionment.FIXED_SHARES,
        fixed_shares={"newham": Decimal("0.5"), "havering": Decimal("0.3"), "waltham-forest": Decimal("0.2")},
    )

    report = build_group_report(group, REPORTS)

    # 99,999p x 0.5, 0.3, 0.2 -> 49,999.5p, 29,999.7p, 19,999.8p; floors add up to 99,997p.
    # The 2p left go to the largest remainders: Waltham Forest (0.8), then Havering (0.7).
    assert [member.platform_cost_share for member in report.members] == [
        Decimal("499.99"),
        Decimal("300.00"),
        Decimal("200.00"),
    ]
    assert sum(member.platform_cost_share for member in report.members) == Decimal("999.99")


def test_fixed_shares_must_add_up_to_one_and_name_exactly_the_members() -> None:
    with pytest.raises(ValidationError, match=r"add up to 1; they add up to 0\.9"):
        SharedServiceGroup(
            name="east-london-portal",
            members=("newham", "havering"),
            shared_platform_cost=Decimal("100.00"),
            apportionment=Apportionment.FIXED_SHARES,
            fixed_shares={"newham": Decimal("0.5"), "havering": Decimal("0.4")},
        )
    with pytest.raises(ValidationError, match="exactly the group's members"):
        SharedServiceGroup(
            name="east-london-portal",
            members=("newham", "havering"),
            shared_platform_cost=Decimal("100.00"),
            apportionment=Apportionment.FIXED_SHARES,
            fixed_shares={"newham": Decimal("0.5"), "waltham-forest": Decimal("0.5")},
        )


def test_every_member_needs_a_report_for_the_same_period() -> None:
    group = SharedServiceGroup(
        name="east-london-portal",
        members=MEMBERS,
        shared_platform_cost=Decimal("1000.00"),
        apportionment=Apportionment.BY_VOLUME,
    )

    with pytest.raises(ValueError, match="No savings report for: waltham-forest"):
        build_group_report(group, {"newham": REPORTS["newham"], "havering": REPORTS["havering"]})
    other_period = REPORTS["havering"].model_copy(
        update={"period": ReportPeriod(start=date(2024, 4, 1), end=date(2024, 4, 30))}
    )
    with pytest.raises(ValueError, match="same period"):
        build_group_report(group, {**REPORTS, "havering": other_period})


def test_with_no_contacts_at_all_volume_apportionment_splits_the_cost_equally() -> None:
    group = SharedServiceGroup(
        name="east-london-portal",
        members=MEMBERS,
        shared_platform_cost=Decimal("100.00"),
        apportionment=Apportionment.BY_VOLUME,
    )
    quiet = {council: council_report(council, 0) for council in MEMBERS}

    report = build_group_report(group, quiet)

    # 10,000p / 3 = 3,333.33p each; floors leave 1p, which goes to the first member.
    assert [member.platform_cost_share for member in report.members] == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_a_group_file_with_shares_written_as_toml_numbers_adds_up_exactly() -> None:
    group_file = """
        name = "east-london-portal"
        members = ["newham", "havering", "waltham-forest"]
        shared_platform_cost = 1000.10
        apportionment = "fixed_shares"
        fixed_shares = { newham = 0.5, havering = 0.3, waltham-forest = 0.2 }
    """

    group = SharedServiceGroup.model_validate(tomllib.loads(group_file))
    report = build_group_report(group, REPORTS)

    # 100,010p x 0.5, 0.3, 0.2 = 50,005p, 30,003p, 20,002p exactly.
    assert [member.platform_cost_share for member in report.members] == [
        Decimal("500.05"),
        Decimal("300.03"),
        Decimal("200.02"),
    ]
