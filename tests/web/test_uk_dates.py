"""Dates shown to officers and residents are the UK's day, in summer time and out of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from civicshare.web.service import uk_date


def test_a_moment_is_shown_on_the_uk_day_it_fell_on() -> None:
    assert uk_date(datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC)) == "30 June 2026"
    assert uk_date(datetime(2026, 6, 30, 23, 0, tzinfo=UTC)) == "1 July 2026"  # 00:00 summer time
    assert uk_date(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)) == "31 December 2026"  # GMT in winter
    assert uk_date(datetime(2027, 1, 1, 0, 0, tzinfo=UTC)) == "1 January 2027"
    # The night the clocks go forward (01:00 GMT on 29 March 2026) and back (01:00 GMT on 25 October).
    assert uk_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == "28 March 2026"
    assert uk_date(datetime(2026, 3, 29, 23, 30, tzinfo=UTC)) == "30 March 2026"
    assert uk_date(datetime(2026, 10, 24, 22, 59, tzinfo=UTC)) == "24 October 2026"
    assert uk_date(datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == "25 October 2026"
    assert uk_date(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == "25 October 2026"
    # The same moment written in another offset is the same UK day.
    tokyo = datetime(2026, 7, 1, 7, 30, tzinfo=timezone(timedelta(hours=9)))
    assert uk_date(tokyo) == "30 June 2026"
