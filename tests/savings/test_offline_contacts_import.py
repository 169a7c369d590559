"""Kingston's contact centre sends its monthly counts of calls, visits, emails and chats."""

from datetime import date

from civicshare.savings.channels import Channel
from civicshare.savings.offline_import import (
    OfflineContactCount,
    RejectedRow,
    parse_offline_contacts,
    replace_imported_counts,
)
from civicshare.savings.rollups import RollupRow

KNOWN_SERVICES = {"report-missed-bin", "report-pothole"}

CONTACT_CENTRE_FILE = """\
date,service,channel,count
2024-04-01,report-missed-bin,phone,120
01/04/2024,report-missed-bin,Face to face,8
2024-04-31,report-missed-bin,phone,5
2024-04-02,report-missed-bin,carrier pigeon,3
2024-04-02,report-missed-bin,phone,-4
2024-04-02,report-missed-bin,email,2.5
2024-04-02,pay-dog-licence,phone,1

2024-04-01,report-missed-bin,phone,130
2024-04-02,report-missed-bin,webchat
2024-13-01,report-missed-bin,fax,lots
"""


def test_good_rows_are_accepted_and_each_bad_row_is_reported_with_its_line_and_reasons() -> None:
    result = parse_offline_contacts(CONTACT_CENTRE_FILE, known_services=KNOWN_SERVICES)

    assert result.accepted == (
        OfflineContactCount(
            line=2, day=date(2024, 4, 1), service="report-missed-bin", channel=Channel.PHONE, count=120
        ),
        OfflineContactCount(
            line=3, day=date(2024, 4, 1), service="report-missed-bin", channel=Channel.FACE_TO_FACE, count=8
        ),
    )
    assert {rejected.line: rejected.reasons for rejected in result.rejected} == {
        4: ("Date must be a real date, like 2024-03-31 or 31/03/2024, not '2024-04-31'",),
        5: ("Channel must be one of face_to_face, phone, email, letter, webchat, web, app, not 'carrier pigeon'",),
        6: ("Count must be 0 or more, not -4",),
        7: ("Count must be a whole number, like 12, not '2.5'",),
        8: ("'pay-dog-licence' is not a service this council offers on the platform",),
        # Line 9 is blank and skipped; line 10 repeats line 2's key.
        10: ("This repeats the date, service and channel on line 2",),
        11: ("This row has 3 values but needs 4: date, service, channel, count",),
        12: (
            "Date must be a real date, like 2024-03-31 or 31/03/2024, not '2024-13-01'",
            "Channel must be one of face_to_face, phone, email, letter, webchat, web, app, not 'fax'",
            "Count must be a whole number, like 12, not 'lots'",
        ),
    }
    assert result.rejected[0] == RejectedRow(
        line=4, values=("2024-04-31", "report-missed-bin", "phone", "5"), reasons=result.rejected[0].reasons
    )
    assert result.has_errors


def test_without_a_list_of_services_any_service_code_is_accepted() -> None:
    result = parse_offline_contacts("date,service,channel,count\n2024-04-02,pay-dog-licence,phone,1\n")

    assert not result.has_errors
    assert result.accepted[0].service == "pay-dog-licence"


def test_columns_may_come_in_any_order_and_case_but_must_all_be_there() -> None:
    reordered = parse_offline_contacts("\ufeffCount,Channel,Date,Service\r\n3,web,2024-04-02,report-missed-bin\r\n")
    assert reordered.accepted[0].to_rollup_row() == RollupRow(
        day=date(2024, 4, 2), service="report-missed-bin", channel=Channel.WEB, count=3
    )

    missing = parse_offline_contacts("date,service,count\n2024-04-02,report-missed-bin,3\n")
    assert missing.accepted == ()
    assert missing.rejected == (
        RejectedRow(
            line=1,
            values=("date", "service", "count"),
            reasons=("The first row must name the columns date, service, channel, count, and no others",),
        ),
    )
    empty = parse_offline_contacts("\n\n")
    assert empty.rejected[0].reasons == ("The file is empty. It needs a header row and at least one count",)


def test_fingerprints_recognise_the_same_content_whatever_the_row_order() -> None:
    first = parse_offline_contacts(
        "date,service,channel,count\n2024-04-01,report-missed-bin,phone,120\n2024-04-01,report-missed-bin,web,80\n"
    )
    reordered = parse_offline_contacts(
        "date,service,channel,count\n2024-04-01,report-missed-bin,web,80\n01/04/2024,report-missed-bin,phone,120\n"
    )
    corrected = parse_offline_contacts(
        "date,service,channel,count\n2024-04-01,report-missed-bin,phone,121\n2024-04-01,report-missed-bin,web,80\n"
    )

    assert first.fingerprint == reordered.fingerprint
    assert first.fingerprint != corrected.fingerprint
    assert first.accepted[1].fingerprint == reordered.accepted[0].fingerprint
    assert first.accepted[0].fingerprint != corrected.accepted[0].fingerprint


def test_re_importing_replaces_imported_counts_and_never_double_counts() -> None:
    april = parse_offline_contacts(
        "date,service,channel,count\n2024-04-01,report-missed-bin,phone,120\n2024-04-02,report-missed-bin,phone,90\n"
    )
    stored = replace_imported_counts([], april)

    assert replace_imported_counts(stored, april) == stored

    # A corrected file for 1 April: 125 replaces 120; 2 April keeps its 90.
    correction = parse_offline_contacts("date,service,channel,count\n2024-04-01,report-missed-bin,phone,125\n")
    assert replace_imported_counts(stored, correction) == [
        RollupRow(day=date(2024, 4, 1), service="report-missed-bin", channel=Channel.PHONE, count=125),
        RollupRow(day=date(2024, 4, 2), service="report-missed-bin", channel=Channel.PHONE, count=90),
    ]


def test_a_file_that_stops_being_csv_is_not_imported_at_all() -> None:
    unclosed_quote = '2024-04-02,"' + "x" * 200_000
    result = parse_offline_contacts(
        f"date,service,channel,count\n2024-04-01,report-missed-bin,phone,1\n{unclosed_quote}\n"
    )

    assert result.accepted == ()
    [rejected] = result.rejected
    assert rejected.line == 3
    assert rejected.reasons == (
        "This line could not be read as CSV, perhaps because a quote mark is not closed, so the file was not imported",
    )
