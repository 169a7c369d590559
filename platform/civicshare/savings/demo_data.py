"""Deterministic demo counts: a council's daily contacts per service and channel over a year or more.

The mix drifts in a straight line from mostly staffed channels (``start_digital_share`` digital, 15% by
default) to mostly self-service (``end_digital_share``, 55%) for the services in the channel-shift
figure; online-only services are always digital. Volumes follow council size, the day of the week
(staffed channels are quiet at weekends, web less so) and the season (garden waste in spring, council
tax bills in March and April, potholes in winter). Counts vary randomly around those expectations.

The same seed, council and dates always give the same counts. In the demo, web and app contacts are
the platform's transactions and the staffed channels are the offline contacts a council imports.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from civicshare.savings.channels import Channel, is_digital
from civicshare.savings.services import ServiceFlags


@dataclass(frozen=True)
class DemoService:
    flags: ServiceFlags
    contacts_a_year_per_1000_residents: float
    busy_months: frozenset[int] = frozenset()


def _service(code: str, per_1000: float, busy_months: Iterable[int] = (), *, online_only: bool = False) -> DemoService:
    return DemoService(
        flags=ServiceFlags(code=code, online_only=online_only),
        contacts_a_year_per_1000_residents=per_1000,
        busy_months=frozenset(busy_months),
    )


DEMO_SERVICES: tuple[DemoService, ...] = (
    _service("report-pothole", 15, (1, 2, 3)),
    _service("report-streetlight", 5, (11, 12, 1)),
    _service("report-fly-tipping", 12, (6, 7, 8)),
    _service("report-missed-bin", 60, (1, 12)),
    _service("order-bin", 25),
    _service("garden-waste-subscription", 30, (3, 4, 5)),
    _service("resident-parking-permit", 20, (4,)),
    _service("challenge-penalty-charge", 8),
    _service("pay-penalty-charge", 40, online_only=True),
    _service("single-person-discount", 15, (3, 4)),
    _service("tell-us-you-are-moving", 40, (7, 8, 9)),
    _service("pay-council-tax", 120, (3, 4), online_only=True),
    _service("request-site-inspection", 2),
)

BUSY_MONTH_FACTOR = 1.5
_STAFFED_MIX = {Channel.PHONE: 0.70, Channel.FACE_TO_FACE: 0.15, Channel.EMAIL: 0.10, Channel.WEBCHAT: 0.05}
_DIGITAL_MIX = {Channel.WEB: 0.85, Channel.APP: 0.15}
# Monday first. Contact centres and receptions are mostly shut at weekends; the web never is.
_STAFFED_BY_WEEKDAY = (1.25, 1.15, 1.05, 1.05, 1.0, 0.35, 0.15)
_DIGITAL_BY_WEEKDAY = (1.15, 1.1, 1.05, 1.0, 0.95, 0.85, 0.9)


DemoCount = tuple[date, str, Channel, int]
"""(day, service, channel, count)"""


def demo_service_catalogue() -> dict[str, ServiceFlags]:
    return {service.flags.code: service.flags for service in DEMO_SERVICES}


def demo_counts(
    *,
    council: str,
    population: int,
    start: date,
    end: date,
    seed: int,
    start_digital_share: float = 0.15,
    end_digital_share: float = 0.55,
) -> Iterator[DemoCount]:
    """Each day's non-zero counts from ``start`` to ``end`` inclusive, by day, then service, then channel."""
    if end < start:
        raise ValueError("The end date must be the same as or after the start date")
    rng = random.Random(f"{seed}:{council}")
    days = (end - start).days
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        progress = offset / days if days else 1.0
        digital_share = start_digital_share + (end_digital_share - start_digital_share) * progress
        for service in DEMO_SERVICES:
            daily = service.contacts_a_year_per_1000_residents * population / 1000 / 365
            if day.month in service.busy_months:
                daily *= BUSY_MONTH_FACTOR
            for channel, expected in _expected_by_channel(service, daily, digital_share, day):
                count = _poisson(rng, expected)
                if count:
                    yield (day, service.flags.code, channel, count)


def _expected_by_channel(
    service: DemoService, daily: float, digital_share: float, day: date
) -> Iterator[tuple[Channel, float]]:
    share = 1.0 if service.flags.online_only else digital_share
    weekday = day.weekday()
    for channel in Channel:
        if is_digital(channel):
            yield channel, daily * share * _DIGITAL_MIX[channel] * _DIGITAL_BY_WEEKDAY[weekday]
        else:
            # Channels outside the demo's mix (letters) expect nothing, and so draw nothing.
            yield channel, daily * (1 - share) * _STAFFED_MIX.get(channel, 0.0) * _STAFFED_BY_WEEKDAY[weekday]


def _poisson(rng: random.Random, expected: float) -> int:
    if expected <= 0:
        return 0
    if expected > 30:
        return max(0, round(rng.gauss(expected, math.sqrt(expected))))
    # Knuth's method: exact for the small daily counts of quiet services.
    limit, count, product = math.exp(-expected), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def split_platform_and_offline(counts: Iterable[DemoCount]) -> tuple[list[DemoCount], list[DemoCount]]:
    """Web and app counts (the platform's transactions), then staffed-channel counts (offline contacts)."""
    platform: list[DemoCount] = []
    offline: list[DemoCount] = []
    for count in counts:
        (platform if is_digital(count[2]) else offline).append(count)
    return platform, offline
