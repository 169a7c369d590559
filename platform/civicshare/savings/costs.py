"""Unit costs: what one contact costs on each channel, per council, per service, over time.

Platform defaults are Socitm's published figures for face to face (£8.62), phone (£2.83) and web
(£0.15). Socitm gives no figure for the other channels, so the platform assumes:

- app: £0.15, the same as web. It is the same self-service transaction through the same back end.
- email: £2.83, the same as phone. Someone reads and answers each email, one at a time, and emails
  often need a reply or a call back; this avoids making email look cheaper than we can show it is.
- letter: £2.83, the same as phone and email. Someone opens, reads and answers each letter (its
  reply's postage comes on top); councils that know their cost per letter should set it.
- webchat: £1.42, half the phone cost rounded up to the penny. An adviser usually handles two chats at
  once; councils report savings from moving calls to webchat.

Councils should replace these with their own figures through overrides.

Which unit cost applies to a contact on a day: the most specific override in force that day wins.
A service-specific override beats a council-wide one, which beats the platform default, whatever their
dates; among overrides of the same kind, the one with the latest ``effective_from`` on or before the day
wins. An override stays in force until a later one of the same kind replaces it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from civicshare.savings.channels import Channel

PLATFORM_DEFAULT_UNIT_COSTS: Mapping[Channel, Decimal] = MappingProxyType(
    {
        Channel.FACE_TO_FACE: Decimal("8.62"),
        Channel.PHONE: Decimal("2.83"),
        Channel.EMAIL: Decimal("2.83"),
        Channel.LETTER: Decimal("2.83"),
        Channel.WEBCHAT: Decimal("1.42"),
        Channel.WEB: Decimal("0.15"),
        Channel.APP: Decimal("0.15"),
    }
)


class UnitCostOverride(BaseModel):
    """A council's own unit cost for a channel, from a date; for one service, or council-wide if none."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    unit_cost: Decimal = Field(ge=0)
    effective_from: date
    service: str | None = None


_Scope = tuple[Channel, str | None]
_Timeline = tuple[list[date], list[Decimal]]


class UnitCostSchedule(BaseModel):
    """One council's unit costs: platform defaults plus that council's effective-dated overrides."""

    model_config = ConfigDict(frozen=True)

    defaults: dict[Channel, Decimal] = Field(default_factory=lambda: dict(PLATFORM_DEFAULT_UNIT_COSTS))
    overrides: tuple[UnitCostOverride, ...] = ()

    _timelines: dict[_Scope, _Timeline] = PrivateAttr(default_factory=dict)
    _timelines_for: tuple[UnitCostOverride, ...] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> Self:
        missing = [channel.value for channel in Channel if channel not in self.defaults]
        if missing:
            raise ValueError(f"Default unit costs are missing for: {', '.join(missing)}")
        if any(cost < 0 for cost in self.defaults.values()):
            raise ValueError("Default unit costs must be 0 or more")
        seen: set[tuple[Channel, str | None, date]] = set()
        for override in self.overrides:
            key = (override.channel, override.service, override.effective_from)
            if key in seen:
                raise ValueError(
                    f"Two unit costs for {override.channel.value}"
                    f" ({override.service or 'council-wide'}) start on {override.effective_from}"
                )
            seen.add(key)
        return self

    def cost(self, channel: Channel, service: str | None, day: date) -> Decimal:
        """The unit cost of one contact; with no service, the council-wide cost."""
        # Called for every row of a report, so the timelines are fetched once per call.
        timelines = self._current_timelines()
        scopes: tuple[_Scope, ...] = ((channel, service), (channel, None)) if service else ((channel, None),)
        for scope in scopes:
            timeline = timelines.get(scope)
            if timeline is not None:
                starts, costs = timeline
                position = bisect.bisect_right(starts, day)
                if position:
                    return costs[position - 1]
        return self.defaults[channel]

    def _current_timelines(self) -> dict[_Scope, _Timeline]:
        # Built on first use, and again if model_copy(update=...) swapped the overrides underneath us.
        # Private attributes live in __pydantic_private__; reading that dict directly skips pydantic's
        # slow attribute fallback, which matters at one call per report row.
        private: dict[str, object] = self.__pydantic_private__ or {}
        timelines = private.get("_timelines")
        if private.get("_timelines_for") is self.overrides and isinstance(timelines, dict):
            return timelines
        by_scope: dict[_Scope, list[UnitCostOverride]] = defaultdict(list)
        for override in sorted(self.overrides, key=lambda override: override.effective_from):
            by_scope[(override.channel, override.service)].append(override)
        self._timelines = {
            key: ([override.effective_from for override in group], [override.unit_cost for override in group])
            for key, group in by_scope.items()
        }
        self._timelines_for = self.overrides
        return self._timelines
