"""When a failed delivery is tried again: exponential backoff with jitter, then dead."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Wait `base` after the first failure, doubling each time up to `cap`, each wait scaled by a random
    factor in [0.75, 1.25) so that deliveries that failed together do not all come back together.
    After `max_attempts` tries a delivery is dead (the defaults span about 33 hours at the least)."""

    base_seconds: float = 60.0
    cap_seconds: float = 6 * 3600.0
    max_attempts: int = 16

    def delay_after(self, attempts: int) -> float | None:
        """Seconds to wait after the `attempts`-th failed try; None when there is to be no other try."""
        if attempts >= self.max_attempts:
            return None
        wait = min(self.cap_seconds, self.base_seconds * 2 ** (attempts - 1))
        return float(wait * random.uniform(0.75, 1.25))  # spreading retries, not a secret

    def shortest_span_seconds(self) -> float:
        """The least time between a delivery's first try and its last."""
        waits = [min(self.cap_seconds, self.base_seconds * 2.0 ** (n - 1)) for n in range(1, self.max_attempts)]
        return 0.75 * sum(waits)
