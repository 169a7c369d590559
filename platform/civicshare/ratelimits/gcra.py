"""The generic cell rate algorithm over a bounded table: one float per key, least recently used evicted.

GCRA keeps for each key the theoretical arrival time (TAT) of its next request. A request is allowed
when, after adding one interval, the TAT is no more than a period ahead of now; it behaves like a token
bucket of `count` tokens refilled at `count` per `period`, without a timer or a refill step.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from civicshare.ratelimits.rates import Rate


class GcraTable:
    """Each key's TAT, at most `capacity` keys: the key used longest ago goes when a new one comes.

    An evicted key starts again with its full allowance, so `capacity` must comfortably exceed the
    number of clients active within one period (see the README's figures for the memory it takes).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a rate-limit table holds at least one key")
        self.capacity = capacity
        self._arrivals: OrderedDict[Hashable, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._arrivals)

    def next_arrival(self, key: Hashable, rate: Rate, now: float) -> tuple[float, float]:
        """The key's TAT if a request were allowed now, and how long it must wait first (0 when it need not)."""
        arrival = self._arrivals.get(key, now)
        arrival = (arrival if arrival > now else now) + rate.interval
        wait = arrival - now - rate.period
        return arrival, (wait if wait > 0.0 else 0.0)

    def record(self, key: Hashable, arrival: float) -> None:
        arrivals = self._arrivals
        arrivals[key] = arrival
        arrivals.move_to_end(key)
        if len(arrivals) > self.capacity:
            arrivals.popitem(last=False)
