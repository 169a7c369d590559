"""How fast one system key may call: a token bucket per key, in each worker's memory.

One system's flood (a sync job gone wrong) must not take the council's, or the platform's, capacity
from everyone else: past its burst, a key gets 429 with Retry-After instead of a database connection.
Buckets live in the worker (nothing shared between nodes), so the platform-wide rate is at most the
workers' count times this one; that bounds a flood, which is the point, without a round trip per call.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

RATE_PER_SECOND = 20.0
BURST = 40.0
KEYS_TRACKED = 10_000  # the least recently seen keys are forgotten beyond this (a forgotten key starts full)


@dataclass
class _Bucket:
    tokens: float
    at: float


class KeyRateLimiter:
    def __init__(self, rate: float = RATE_PER_SECOND, burst: float = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait_needed(self, key: str, now: float | None = None) -> float:
        """0 if the key may call now (and the call is counted); else the seconds until it may."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        if len(self._buckets) > KEYS_TRACKED:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1 - 1e-9:  # a refill of exactly one token, give or take rounding
            bucket.tokens = max(0.0, bucket.tokens - 1)
            return 0.0
        return (1 - bucket.tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
