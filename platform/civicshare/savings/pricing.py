"""Unit costs and baseline shares as whole numbers, for the report's arithmetic.

A report prices thousands of rows. Every unit cost and share is an exact decimal, so each is turned
once into a whole number of its smallest unit (a cost of £2.83 into 283 hundredths, a share of
0.15 into 150,000,000 billionths when shares have nine places), the arithmetic is done in Python's
exact integers, and each figure is rounded half up to the penny once, as ``money.round_to_penny``
would round the same exact amount. Nothing is lost: the results are those of exact decimals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostSchedule


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def in_units(value: Decimal, places: int) -> int:
    """``value`` x 10^places exactly, for ``places`` at least its own decimal places."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    whole: int = int("".join(map(str, digits)) or "0") * 10 ** (exponent + places)
    return -whole if sign else whole


def pence(amount: int, places: int) -> int:
    """An amount in 10^-places pounds (places >= 2, amount >= 0) rounded half up to whole pence."""
    unit = 10 ** (places - 2)
    return amount if unit == 1 else (amount + unit // 2) // unit


def pence_of_quotient(numerator: int, denominator: int, places: int) -> int:
    """numerator / denominator, in 10^-places pounds (both >= 0), rounded half up to whole pence."""
    denominator *= 10 ** (places - 2)
    return (2 * numerator + denominator) // (2 * denominator)


def money(whole_pence: int) -> Decimal:
    """Pence as pounds to two places, such as Decimal("12.30")."""
    return Decimal(whole_pence).scaleb(-2)


def _most_places(values: Iterable[Decimal]) -> int:
    return max((decimal_places(value) for value in values), default=0)


class UnitPrices:
    """``UnitCostSchedule.cost`` as whole numbers of 10^-``places`` pounds, looked up once per stretch of
    days between two unit-cost changes.

    Within a stretch every cost is constant, and a service without an override of its own for a
    channel has the council-wide cost, so (channel, service or None, stretch) decides the cost.
    """

    def __init__(self, schedule: UnitCostSchedule) -> None:
        self._schedule = schedule
        costs = [*schedule.defaults.values(), *(override.unit_cost for override in schedule.overrides)]
        self.places = max(2, _most_places(costs))
        self._changes = sorted({override.effective_from for override in schedule.overrides})
        self._own = {(override.channel, override.service) for override in schedule.overrides if override.service}
        self._found: dict[tuple[Channel, str | None, int], int] = {}
        self._over_days: dict[tuple[Channel, str | None, str], int] = {}

    def __call__(self, channel: Channel, service: str, day: date) -> int:
        key = (channel, service if (channel, service) in self._own else None, bisect_right(self._changes, day))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = in_units(self._schedule.cost(channel, service, day), self.places)
        return found

    def over_days(self, channel: Channel, service: str, month: str, runs: list[tuple[date, int]]) -> int:
        """One contact a day on every day of the month's runs (first day, days): the sum of the costs."""
        key = (channel, service if (channel, service) in self._own else None, month)
        found = self._over_days.get(key)
        if found is None:
            found = self._over_days[key] = sum(self(channel, service, start) * days for start, days in runs)
        return found


class BaselineShares:
    """Each service's non-zero baseline shares as whole numbers of 10^-``places``."""

    def __init__(self, mixes: Mapping[str, BaselineMix]) -> None:
        self.places = _most_places(share for mix in mixes.values() for share in mix.shares.values())
        self.by_service: dict[str, list[tuple[Channel, int]]] = {
            service: [(channel, in_units(share, self.places)) for channel, share in mix.shares.items() if share]
            for service, mix in mixes.items()
        }
