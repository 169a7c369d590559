"""Working days (Monday to Friday, not a bank holiday) for service level agreements and date checks."""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from civicshare.modules.bank_holidays import ENGLAND_AND_WALES

UK_TIME = ZoneInfo("Europe/London")


def is_working_day(day: date, holidays: Collection[date] = ENGLAND_AND_WALES) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, working_days: int, holidays: Collection[date] = ENGLAND_AND_WALES) -> date:
    """The date `working_days` working days after `start` (the start day itself does not count)."""
    if isinstance(holidays, frozenset):
        return _add_working_days(start, working_days, holidays)
    return _add_working_days.__wrapped__(start, working_days, holidays)


@functools.lru_cache(maxsize=4096)  # every submission dates its SLA; the same few days recur all day
def _add_working_days(start: date, working_days: int, holidays: Collection[date]) -> date:
    if working_days < 0:
        raise ValueError("working_days cannot be negative")
    day = start
    remaining = working_days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return day


def due_date(submitted_at: datetime, working_days: int, holidays: Collection[date] = ENGLAND_AND_WALES) -> date:
    """When a transaction submitted at `submitted_at` must be dealt with, counted on UK dates.

    A submission at 23:30 UTC on a summer evening is already the next day in the UK, so aware
    datetimes are converted to UK time first; naive datetimes are taken as UK time.
    """
    local = submitted_at.astimezone(UK_TIME) if submitted_at.tzinfo else submitted_at
    return add_working_days(local.date(), working_days, holidays)


def uk_today() -> date:
    return datetime.now(UK_TIME).date()


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` comes first).

    Counted, not walked day by day: the queue shows this for 25 requests a page, some a year late."""
    if end < start:
        return -working_days_between(end, start)
    holidays = bisect_right(_WEEKDAY_HOLIDAYS, end) - bisect_right(_WEEKDAY_HOLIDAYS, start)
    return _weekdays_up_to(end) - _weekdays_up_to(start) - holidays


_WEEKDAY_HOLIDAYS = sorted(day for day in ENGLAND_AND_WALES if day.weekday() < 5)


def _weekdays_up_to(day: date) -> int:
    """Monday to Friday days from 1 January of year 1 (a Monday) up to and including `day`."""
    days = day.toordinal() - 1
    return days // 7 * 5 + min(days % 7 + 1, 5)
