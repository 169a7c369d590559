"""How often each kind of traffic may come, per client address and per council, in this worker.

Each serving worker keeps its own counts in memory (no new server, no database round trip on the
submit path): with W workers on N nodes a client may get up to W x N times a limit before every
worker has refused it. The per-address counts are keyed by council as well, so a flood at one
council never spends another council's allowance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from civicshare.http.problems import Problem
from civicshare.ratelimits.addresses import client_address, client_network
from civicshare.ratelimits.gcra import GcraTable
from civicshare.ratelimits.rates import Rate, parse_rate
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from civicshare.tenancy.resolution import TENANT_SCOPE_KEY

STATE_KEY = "rate_limits"
COUNCIL_TABLE_SIZE = 10_000  # councils x kinds of traffic; a platform host's traffic counts as council 0


class Traffic(StrEnum):
    """The kinds of request that are limited; each route declares its kind (`middleware.rate_limited`)."""

    TRACKING = "tracking"
    SUBMISSIONS = "submissions"
    UPLOADS = "uploads"
    SIGN_IN = "sign_in"
    ADMIN = "admin"


DOING = {
    Traffic.TRACKING: "tracking requests",
    Traffic.SUBMISSIONS: "sending requests",
    Traffic.UPLOADS: "adding files",
    Traffic.SIGN_IN: "signing in",
    Traffic.ADMIN: "calling the admin API",
}


@dataclass(frozen=True, slots=True)
class Limit:
    per_address: Rate | None
    per_council: Rate | None


def limits_from(settings: Settings) -> dict[Traffic, Limit]:
    """Each kind's limits as the settings (`CIVICSHARE_RATE_LIMIT_<KIND>_PER_ADDRESS` ...) give them."""
    if not settings.rate_limits:
        return {}
    return {
        traffic: Limit(
            parse_rate(getattr(settings, f"rate_limit_{traffic.value}_per_address")),
            parse_rate(getattr(settings, f"rate_limit_{traffic.value}_per_council")),
        )
        for traffic in Traffic
    }


def _in_words(seconds: int) -> str:
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def too_many_requests(traffic: Traffic, wait: float, *, council_wide: bool) -> Problem:
    seconds = max(1, math.ceil(wait))
    if council_wide:
        detail = f"There have been too many attempts at {DOING[traffic]} at this council in the last few minutes."
    else:
        detail = f"There have been too many attempts at {DOING[traffic]} from your address."
    return Problem(
        429,
        "Too many requests",
        f"{detail} Wait {_in_words(seconds)} and try again.",
        name="too-many-requests",
        extra={"retry_after": seconds, "limited": "council" if council_wide else "address"},
        headers={"retry-after": str(seconds)},
    )


class RateLimits:
    """One worker's counts: per (kind, council, client) in a bounded table, and per (kind, council)."""

    def __init__(
        self, limits: Mapping[Traffic, Limit], *, table_size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # Keys hold the kind as a plain string: an enum member hashes in Python, several times a request.
        self.limits = {traffic: (str(traffic.value), limit) for traffic, limit in limits.items()}
        self.addresses = GcraTable(table_size)
        self.councils = GcraTable(COUNCIL_TABLE_SIZE)
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.monotonic) -> RateLimits:
        return cls(limits_from(settings), table_size=settings.rate_limit_table_size, clock=clock)

    def refusal(self, scope: Any, traffic: Traffic) -> Problem | None:
        """None when this request may go on (and it is counted), else the 429 to answer with."""
        found = self.limits.get(traffic)
        if found is None:
            return None
        kind, limit = found
        tenant: TenantContext | None = scope.get(TENANT_SCOPE_KEY)
        council = tenant.id if tenant is not None else 0
        now = self.clock()
        address_key = council_key = None
        address_arrival = council_arrival = 0.0
        if limit.per_address is not None:
            address_key = (kind, council, client_network(client_address(scope)))
            address_arrival, wait = self.addresses.next_arrival(address_key, limit.per_address, now)
            if wait:
                return too_many_requests(traffic, wait, council_wide=False)
        if limit.per_council is not None:
            council_key = (kind, council)
            council_arrival, wait = self.councils.next_arrival(council_key, limit.per_council, now)
            if wait:
                return too_many_requests(traffic, wait, council_wide=True)
        # Counted only once both allow it: a refused request spends neither allowance.
        if address_key is not None:
            self.addresses.record(address_key, address_arrival)
        if council_key is not None:
            self.councils.record(council_key, council_arrival)
        return None

    def admit(self, scope: Any, traffic: Traffic) -> None:
        """Count this request, or raise the 429 `Problem` when it is one too many."""
        refused = self.refusal(scope, traffic)
        if refused is not None:
            raise refused


def rate_limits_of(state: Any) -> RateLimits:
    """The app's limits (`State`, put there by the app factory)."""
    limits: RateLimits = state[STATE_KEY]
    return limits
