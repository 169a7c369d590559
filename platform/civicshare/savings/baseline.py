"""A council's baseline: the channel mix each service had before the platform.

The baseline answers "what would this year's contacts have cost if residents still used the channels
they used before?". Shares are exact decimals that add up to exactly 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicshare.savings.channels import Channel
from civicshare.savings.money import largest_remainder
from civicshare.savings.rollups import RollupRow

# Derived shares are rounded to a billionth so they stay exact decimals that add up to 1; the error this
# introduces is under a penny on a million pounds of contacts.
SHARE_UNITS = 10**9


class BaselineMix(BaseModel):
    """Shares of one service's contacts per channel, such as phone 0.85 and web 0.15."""

    model_config = ConfigDict(frozen=True)

    shares: dict[Channel, Decimal]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if any(share < 0 or share > 1 for share in self.shares.values()):
            raise ValueError("Each channel's share must be between 0 and 1")
        total = sum(self.shares.values(), Decimal(0))
        if total != 1:
            raise ValueError(f"Channel shares must add up to 1; they add up to {total}")
        return self

    def share(self, channel: Channel) -> Decimal:
        return self.shares.get(channel, Decimal(0))


class BaselineVolume(BaseModel):
    """The contacts a baseline mix was measured from: per channel, over ``days`` days.

    Its daily rate, contacts / days, stands for the contacts each day would have had without the
    platform: the cashable saving compares the staffed contacts handled with it.
    """

    model_config = ConfigDict(frozen=True)

    contacts: dict[Channel, int]
    days: int = Field(gt=0)
    measured_before: date | None = None
    """The day after the window: months starting before it are not compared (the window saves nothing
    against itself)."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if any(count < 0 for count in self.contacts.values()):
            raise ValueError("Counts must be 0 or more")
        return self


def baseline_mix_from_counts(counts: Mapping[Channel, int]) -> BaselineMix:
    """The mix of a set of contact counts, such as a year of counts before the platform went live."""
    if any(count < 0 for count in counts.values()):
        raise ValueError("Counts must be 0 or more")
    if sum(counts.values()) == 0:
        raise ValueError("There are no contacts to work out a baseline from")
    channels = list(counts)
    units = largest_remainder(SHARE_UNITS, [counts[channel] for channel in channels])
    return BaselineMix(
        shares={channel: Decimal(unit) / SHARE_UNITS for channel, unit in zip(channels, units, strict=True) if unit}
    )


def derive_baseline(rows: Iterable[RollupRow], *, before: date, since: date | None = None) -> dict[str, BaselineMix]:
    """Each service's mix from daily counts before ``before`` (and on or after ``since`` if given).

    Use the day the platform went live for a pre-platform baseline, or any chosen date to measure the
    shift since then. Services with no counts in the window get no baseline, so claim no savings.
    """
    return {
        service: baseline_mix_from_counts(volume.contacts)
        for service, volume in derive_baseline_volumes(rows, before=before, since=since).items()
    }


def derive_baseline_volumes(
    rows: Iterable[RollupRow], *, before: date, since: date | None = None
) -> dict[str, BaselineVolume]:
    """Each service's counts per channel in the same window as ``derive_baseline``, over the window's days.

    The window runs from ``since`` (or, without it, the first day any service had contacts in it) to
    the day before ``before``, the same for every service.
    """
    counts: dict[str, dict[Channel, int]] = defaultdict(lambda: defaultdict(int))
    first: date | None = since
    for row in rows:
        if row.day < before and (since is None or row.day >= since) and row.count:
            counts[row.service][row.channel] += row.count
            if since is None and (first is None or row.day < first):
                first = row.day
    if first is None:
        return {}
    days = (before - first).days
    return {
        service: BaselineVolume(contacts=dict(by_channel), days=days, measured_before=before)
        for service, by_channel in sorted(counts.items())
        if sum(by_channel.values()) > 0
    }
