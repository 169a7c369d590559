"""How late a request is, in working days, however late: the count the queue shows agrees with walking
the calendar day by day, over weekends, bank holidays and years."""

from __future__ import annotations

from datetime import date, timedelta

from civicshare.modules.working_days import is_working_day, working_days_between
from civicshare.staff.queue import sla_clock


def walked(start: date, end: date) -> int:
    if end < start:
        return -walked(end, start)
    return sum(1 for offset in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=offset)))


def test_working_days_between_any_two_days_agree_with_the_calendar() -> None:
    first = date(2024, 12, 20)
    for start in (first + timedelta(days=step * 11) for step in range(70)):
        for end in (start + timedelta(days=span) for span in (-400, -30, -3, -1, 0, 1, 2, 5, 9, 60, 365, 500)):
            assert working_days_between(start, end) == walked(start, end), (start, end)


def test_a_pothole_due_before_christmas_is_late_by_the_working_days_since() -> None:
    # Due Wednesday 23 December 2026; Christmas Day (Friday) and the substitute Boxing Day (Monday 28th)
    # do not count, so on Wednesday 30 December it is 3 working days late (24, 29 and 30 December).
    assert sla_clock(date(2026, 12, 23), False, date(2026, 12, 30)).words == "Overdue by 3 working days"
    assert sla_clock(date(2027, 12, 23), False, date(2025, 12, 23)).words.endswith("working days left")
