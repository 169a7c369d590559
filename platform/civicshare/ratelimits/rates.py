"""A rate as deployments write it ("30/minute", "600/10 minutes", "off"), and as the limiter uses it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<many>\d+)?\s*(?P<unit>second|minute|hour|day)s?\s*$")


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` requests at once, then one more every `interval` seconds: `count` per `period` seconds."""

    count: int
    period: float
    interval: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "interval", self.period / self.count)


def parse_rate(text: str) -> Rate | None:
    """The rate a setting names (`settings.RATE_PATTERN`), or None for "off"."""
    if text.strip().lower() == "off":
        return None
    found = _RATE.fullmatch(text.strip().lower())
    if found is None:
        raise ValueError(f"{text!r} is not a rate like 30/minute, 600/10 minutes or off")
    count = int(found["count"])
    period = int(found["many"] or 1) * UNIT_SECONDS[found["unit"]]
    if count < 1 or period < 1:
        raise ValueError(f"{text!r}: a rate needs at least one request in at least one second, or off")
    return Rate(count, float(period))
