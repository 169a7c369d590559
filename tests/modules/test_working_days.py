"""Service level agreements count working days: weekends and bank holidays in England and Wales."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from civicshare.modules import (
    ServiceModule,
    add_working_days,
    due_date,
    is_working_day,
    resolve_settings,
    respond_by,
)


def test_a_report_on_friday_with_two_working_days_is_due_on_tuesday() -> None:
    assert add_working_days(date(2026, 3, 13), 2) == date(2026, 3, 17)


def test_easter_2026_is_skipped() -> None:
    # Thursday 2 April; Good Friday 3 April and Easter Monday 6 April are bank holidays.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_christmas_2026_substitute_boxing_day_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_a_late_evening_submission_in_summer_counts_from_the_uk_date() -> None:
    # 23:30 UTC on Friday 5 June 2026 is 00:30 on Saturday in the UK.
    submitted = datetime(2026, 6, 5, 23, 30, tzinfo=UTC)

    assert due_date(submitted, 1) == date(2026, 6, 8)
    assert due_date(datetime(2026, 6, 5, 22, 30, tzinfo=UTC), 1) == date(2026, 6, 8)
    assert due_date(datetime(2026, 6, 4, 22, 30, tzinfo=UTC), 1) == date(2026, 6, 5)


def test_the_councils_own_sla_sets_the_respond_by_date(graffiti: ServiceModule[Any]) -> None:
    service = graffiti.services[0]
    submitted = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # a Monday

    quick = respond_by(service, resolve_settings(graffiti, council={"removal_sla_working_days": 1}), submitted)
    standard = respond_by(service, resolve_settings(graffiti), submitted)

    assert (quick, standard) == (date(2026, 3, 10), date(2026, 3, 16))
