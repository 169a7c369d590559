from datetime import date

from civicshare.savings.channels import Channel
from civicshare.savings.rollups import (
    RecordedContact,
    RollupDifference,
    RollupRow,
    compare_rollups,
    compute_rollups,
    merge_rollups,
)

MONDAY = date(2024, 4, 1)
TUESDAY = date(2024, 4, 2)


def test_rollups_count_raw_contacts_per_day_service_and_channel_leaving_out_test_data() -> None:
    records = [
        RecordedContact(day=MONDAY, service="report-missed-bin", channel=Channel.WEB),
        RecordedContact(day=MONDAY, service="report-missed-bin", channel=Channel.WEB),
        RecordedContact(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE),
        RecordedContact(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, test_data=True),
        RecordedContact(day=TUESDAY, service="report-pothole", channel=Channel.APP),
        RecordedContact(day=MONDAY, service="report-pothole", channel=Channel.APP, test_data=True),
    ]

    assert compute_rollups(records) == [
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, count=1),
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.WEB, count=2),
        RollupRow(day=TUESDAY, service="report-pothole", channel=Channel.APP, count=1),
    ]


def test_a_rebuild_that_disagrees_with_stored_rollups_names_every_difference() -> None:
    rebuilt = [
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.WEB, count=2),
        RollupRow(day=TUESDAY, service="report-pothole", channel=Channel.APP, count=1),
    ]
    stored = [
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.WEB, count=3),
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, count=0),
    ]

    assert compare_rollups(rebuilt, rebuilt) == []
    # The stored zero row for phone agrees with "no row" in the rebuild.
    assert compare_rollups(stored, rebuilt) == [
        RollupDifference(day=MONDAY, service="report-missed-bin", channel=Channel.WEB, stored=3, rebuilt=2),
        RollupDifference(day=TUESDAY, service="report-pothole", channel=Channel.APP, stored=0, rebuilt=1),
    ]


def test_transactions_and_offline_contacts_add_up() -> None:
    transactions = [RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, count=4)]
    offline = [
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, count=120),
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.EMAIL, count=7),
    ]

    # In key order: channels sort by their codes, so email comes before phone.
    assert merge_rollups(transactions, offline) == [
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.EMAIL, count=7),
        RollupRow(day=MONDAY, service="report-missed-bin", channel=Channel.PHONE, count=124),
    ]
