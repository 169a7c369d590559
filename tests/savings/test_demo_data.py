from datetime import date

from civicshare.savings.channels import Channel, is_digital
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.demo_data import (
    DemoCount,
    demo_counts,
    demo_service_catalogue,
    split_platform_and_offline,
)
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import build_savings_report
from civicshare.savings.rollups import RollupRow

START, END = date(2023, 4, 1), date(2025, 3, 31)


def kingston(seed: int = 7, council: str = "kingston") -> list[DemoCount]:
    return list(demo_counts(council=council, population=170_000, start=START, end=END, seed=seed))


def shift_share(counts: list[DemoCount], start: date, end: date) -> float:
    report = build_savings_report(
        council="kingston",
        period=ReportPeriod(start=start, end=end),
        rollups=[RollupRow(day=day, service=service, channel=channel, count=n) for day, service, channel, n in counts],
        services=demo_service_catalogue(),
        unit_costs=UnitCostSchedule(),
        baseline={},
        group_by=(),
    )
    assert report.totals.channel_shift_share is not None
    return float(report.totals.channel_shift_share)


def test_the_same_seed_gives_the_same_counts_and_another_seed_or_council_does_not() -> None:
    counts = kingston()

    assert counts == kingston()
    assert counts != kingston(seed=8)
    assert counts != kingston(council="havering")
    assert counts[0][0] == START
    assert counts[-1][0] == END


def test_the_mix_drifts_from_mostly_phone_towards_the_web() -> None:
    counts = kingston()

    first_quarter = shift_share(counts, date(2023, 4, 1), date(2023, 6, 30))
    last_quarter = shift_share(counts, date(2025, 1, 1), date(2025, 3, 31))

    assert first_quarter < 0.25
    assert last_quarter > 0.5
    assert last_quarter - first_quarter > 0.25


def test_volumes_follow_the_service_the_weekday_and_council_size() -> None:
    counts = kingston()

    def total(service: str) -> int:
        return sum(n for _, code, _, n in counts if code == service)

    assert total("report-missed-bin") > 10 * total("request-site-inspection") > 0
    assert total("pay-council-tax") > total("report-pothole")

    def staffed_on(weekday: int) -> int:
        return sum(n for day, _, channel, n in counts if day.weekday() == weekday and not is_digital(channel))

    assert staffed_on(0) > 3 * staffed_on(6)  # Mondays are far busier than Sundays on the phone

    smaller = list(demo_counts(council="kingston", population=85_000, start=START, end=END, seed=7))
    assert sum(n for *_, n in smaller) < 0.6 * sum(n for *_, n in counts)


def test_online_only_services_are_always_digital_and_offline_contacts_are_staffed() -> None:
    counts = kingston()
    online_only = {code for code, flags in demo_service_catalogue().items() if flags.online_only}

    assert all(is_digital(channel) for _, service, channel, _ in counts if service in online_only)
    platform, offline = split_platform_and_offline(counts)
    assert {channel for _, _, channel, _ in platform} == {Channel.WEB, Channel.APP}
    assert {channel for _, _, channel, _ in offline} == {
        Channel.FACE_TO_FACE,
        Channel.PHONE,
        Channel.EMAIL,
        Channel.WEBCHAT,
    }
