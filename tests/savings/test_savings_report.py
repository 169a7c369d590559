"""Kingston's savings report, with every expected figure worked out by hand in the comments."""

from datetime import date
from decimal import Decimal

import pytest

from civicshare.savings.avoided_contacts import AvoidedContactAssumptions
from civicshare.savings.baseline import BaselineMix, baseline_mix_from_counts
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostOverride, UnitCostSchedule
from civicshare.savings.figures import Figures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping, MonthlySavings, SavingsReport, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.services import ServiceFlags, UnknownServiceError, service_catalogue

SERVICES = service_catalogue(
    [
        ServiceFlags(code="report-pothole"),
        ServiceFlags(code="report-missed-bin"),
        ServiceFlags(code="pay-council-tax", counts_toward_channel_shift=False, online_only=True),
        ServiceFlags(code="pay-penalty-charge", counts_toward_channel_shift=False, online_only=True),
    ]
)
SPRING = ReportPeriod(start=date(2024, 3, 1), end=date(2024, 4, 30))
POTHOLE_BASELINE = {"report-pothole": BaselineMix(shares={Channel.PHONE: Decimal("0.8"), Channel.WEB: Decimal("0.2")})}
# Phone calls cost Kingston £3.00 from 1 April; before that the platform default, £2.83.
PHONE_RISE = UnitCostSchedule(
    overrides=(UnitCostOverride(channel=Channel.PHONE, unit_cost=Decimal("3.00"), effective_from=date(2024, 4, 1)),)
)


def row(day: date, service: str, channel: Channel, count: int) -> RollupRow:
    return RollupRow(day=day, service=service, channel=channel, count=count)


SPRING_ROWS = [
    row(date(2024, 3, 15), "report-pothole", Channel.PHONE, 10),
    row(date(2024, 3, 15), "report-pothole", Channel.WEB, 10),
    row(date(2024, 3, 20), "pay-council-tax", Channel.WEB, 30),
    row(date(2024, 4, 15), "report-pothole", Channel.PHONE, 5),
    row(date(2024, 4, 15), "report-pothole", Channel.WEB, 15),
    row(date(2024, 4, 20), "pay-council-tax", Channel.WEB, 30),
    # Outside the period: ignored.
    row(date(2024, 5, 1), "report-pothole", Channel.PHONE, 1000),
]


def spring_report(group_by: tuple[Grouping, ...] = (Grouping.MONTH,)) -> SavingsReport:
    return build_savings_report(
        council="kingston",
        period=SPRING,
        rollups=SPRING_ROWS,
        services=SERVICES,
        unit_costs=PHONE_RISE,
        baseline=POTHOLE_BASELINE,
        group_by=group_by,
    )


def test_costs_follow_the_unit_cost_in_force_each_day_when_it_changes_mid_period() -> None:
    report = spring_report()

    # March potholes: actual 10 x 2.83 + 10 x 0.15 = 28.30 + 1.50 = 29.80.
    #   Baseline: 20 contacts as 80% phone, 20% web: 16 x 2.83 + 4 x 0.15 = 45.28 + 0.60 = 45.88.
    #   Savings 45.88 - 29.80 = 16.08.
    # April potholes, phone now £3.00: actual 5 x 3.00 + 15 x 0.15 = 15.00 + 2.25 = 17.25.
    #   Baseline: 16 x 3.00 + 4 x 0.15 = 48.00 + 0.60 = 48.60. Savings 31.35.
    # Council tax payments have no baseline, so claim no savings: 30 x 0.15 = 4.50 a month both ways.
    march, april = report.lines
    assert march.month == "2024-03"
    assert march.figures.actual_cost == Decimal("34.30")  # 29.80 + 4.50
    assert march.figures.baseline_cost == Decimal("50.38")  # 45.88 + 4.50
    assert march.figures.savings == Decimal("16.08")
    assert april.month == "2024-04"
    assert april.figures.actual_cost == Decimal("21.75")  # 17.25 + 4.50
    assert april.figures.baseline_cost == Decimal("53.10")  # 48.60 + 4.50
    assert april.figures.savings == Decimal("31.35")

    assert report.totals.actual_cost == Decimal("56.05")
    assert report.totals.baseline_cost == Decimal("103.48")
    assert report.totals.savings == Decimal("47.43")
    assert report.savings_by_month == (
        MonthlySavings(month="2024-03", savings=Decimal("16.08"), cumulative_savings=Decimal("16.08")),
        MonthlySavings(month="2024-04", savings=Decimal("31.35"), cumulative_savings=Decimal("47.43")),
    )


def test_an_online_only_service_is_left_out_of_the_channel_shift_figure_but_shown_including_it() -> None:
    report = spring_report()

    # All services: 100 contacts, 85 on web (10 + 15 potholes, 30 + 30 council tax payments).
    assert report.totals.volume == 100
    assert report.totals.digital_volume == 85
    assert report.totals.digital_share_all_services == Decimal("0.8500")
    # Channel shift: potholes only, 25 of 40 on web = 0.625.
    assert report.totals.shift_volume == 40
    assert report.totals.channel_shift_share == Decimal("0.6250")
    assert report.services_outside_shift_figure == ("pay-council-tax",)


def test_grouping_by_service_and_channel_adds_up_to_the_same_totals() -> None:
    report = spring_report(group_by=(Grouping.CHANNEL, Grouping.SERVICE))

    assert report.grouped_by == (Grouping.SERVICE, Grouping.CHANNEL)
    lines = {(line.service, line.channel): line.figures for line in report.lines}
    assert list(lines) == [
        ("pay-council-tax", Channel.WEB),
        ("report-pothole", Channel.PHONE),
        ("report-pothole", Channel.WEB),
    ]
    # Pothole calls: actual 28.30 + 15.00 = 43.30; baseline 45.28 + 48.00 = 93.28; savings 49.98.
    assert lines[("report-pothole", Channel.PHONE)] == Figures(
        volume=15, shift_volume=15, actual_cost=Decimal("43.30"), baseline_cost=Decimal("93.28")
    )
    # Pothole web: actual 1.50 + 2.25 = 3.75; baseline 0.60 + 0.60 = 1.20; savings -2.55.
    assert lines[("report-pothole", Channel.WEB)].savings == Decimal("-2.55")
    # 49.98 - 2.55 + 0 = 47.43, the same total as grouping by month.
    assert sum(figures.savings for figures in lines.values()) == Decimal("47.43")
    assert report.totals == spring_report().totals


def test_kingston_like_figures_about_half_excluding_online_only_services_and_seven_tenths_including() -> None:
    day = date(2024, 1, 10)
    rows = [
        row(day, "report-missed-bin", Channel.WEB, 750),
        row(day, "report-missed-bin", Channel.PHONE, 600),
        row(day, "report-missed-bin", Channel.FACE_TO_FACE, 150),
        row(day, "pay-council-tax", Channel.WEB, 600),
        row(day, "pay-penalty-charge", Channel.APP, 400),
    ]

    report = build_savings_report(
        council="kingston",
        period=ReportPeriod(start=date(2024, 1, 1), end=date(2024, 1, 31)),
        rollups=rows,
        services=SERVICES,
        unit_costs=UnitCostSchedule(),
        baseline={},
    )

    # Excluding: 750 of 1,500 report-missed-bin contacts online = 0.50.
    assert report.totals.channel_shift_share == Decimal("0.5000")
    # Including: (750 + 600 + 400) of 2,500 = 1,750 / 2,500 = 0.70.
    assert report.totals.digital_share_all_services == Decimal("0.7000")
    assert report.services_outside_shift_figure == ("pay-council-tax", "pay-penalty-charge")


def test_a_service_the_council_leaves_out_is_not_in_the_channel_shift_figure() -> None:
    services = {"order-bin": ServiceFlags(code="order-bin", counts_toward_channel_shift=False)}
    report = build_savings_report(
        council="kingston",
        period=SPRING,
        rollups=[row(date(2024, 3, 1), "order-bin", Channel.WEB, 5)],
        services=services,
        unit_costs=UnitCostSchedule(),
        baseline={},
    )

    assert report.totals.channel_shift_share is None
    assert report.totals.digital_share_all_services == Decimal("1.0000")


def test_avoided_contacts_follow_the_domain_example_exactly() -> None:
    # 40,000 app sessions x 0.2 avoided calls each x £2.83 a call = 8,000 x 2.83 = £22,640.00.
    report = build_savings_report(
        council="kingston",
        period=SPRING,
        rollups=[],
        services=SERVICES,
        unit_costs=UnitCostSchedule(),
        baseline={},
        avoided_contacts=AvoidedContactAssumptions(sessions=40_000, avoidance_rate=Decimal("0.2")),
    )

    assert report.avoided_contacts is not None
    assert report.avoided_contacts.avoided_contacts == 8000
    assert report.avoided_contacts.unit_cost == Decimal("2.83")
    assert report.avoided_contacts.savings == Decimal("22640.00")
    # The estimate is kept apart from the baseline-mix savings.
    assert report.totals.savings == 0


def test_avoided_contacts_are_costed_at_the_unit_cost_on_the_last_day_of_the_period() -> None:
    # The £3.00 phone cost is in force on 30 April: 8,000 x 3.00 = £24,000.00.
    report = build_savings_report(
        council="kingston",
        period=SPRING,
        rollups=[],
        services=SERVICES,
        unit_costs=PHONE_RISE,
        baseline={},
        avoided_contacts=AvoidedContactAssumptions(sessions=40_000, avoidance_rate=Decimal("0.2")),
    )

    assert report.avoided_contacts is not None
    assert report.avoided_contacts.savings == Decimal("24000.00")


def test_baseline_costs_are_rounded_to_the_penny_once_per_cell() -> None:
    # Baseline 2 calls to 1 web visit: phone 0.666666667, web 0.333333333.
    # One day with 3 contacts (1 phone, 2 web):
    #   baseline phone 3 x 0.666666667 x 2.83 = 5.66000000283 -> 5.66
    #   baseline web   3 x 0.333333333 x 0.15 = 0.14999999985 -> 0.15; baseline 5.81
    #   actual 1 x 2.83 + 2 x 0.15 = 3.13; savings 5.81 - 3.13 = 2.68
    baseline = {"report-missed-bin": baseline_mix_from_counts({Channel.PHONE: 2, Channel.WEB: 1})}
    report = build_savings_report(
        council="kingston",
        period=SPRING,
        rollups=[
            row(date(2024, 3, 4), "report-missed-bin", Channel.PHONE, 1),
            row(date(2024, 3, 4), "report-missed-bin", Channel.WEB, 2),
        ],
        services=SERVICES,
        unit_costs=UnitCostSchedule(),
        baseline=baseline,
        group_by=(Grouping.CHANNEL,),
    )

    assert [line.figures.baseline_cost for line in report.lines] == [Decimal("5.66"), Decimal("0.15")]
    assert report.totals.actual_cost == Decimal("3.13")
    assert report.totals.savings == Decimal("2.68")


def test_counts_for_a_service_without_flags_are_refused() -> None:
    with pytest.raises(UnknownServiceError, match="pay-dog-licence"):
        build_savings_report(
            council="kingston",
            period=SPRING,
            rollups=[row(date(2024, 3, 4), "pay-dog-licence", Channel.WEB, 1)],
            services=SERVICES,
            unit_costs=UnitCostSchedule(),
            baseline={},
        )


def test_a_report_serialises_to_json_with_money_as_exact_strings_and_reads_back() -> None:
    report = spring_report()

    data = report.model_dump(mode="json")
    assert data["totals"]["savings"] == "47.43"
    assert data["totals"]["channel_shift_share"] == "0.6250"
    assert data["lines"][0]["month"] == "2024-03"
    assert SavingsReport.model_validate_json(report.model_dump_json()) == report
