"""The national benchmark's mix window by window, and how fast this machine itself is meanwhile.

One figure for a whole run hides how much it moves: on our shared 2-core machine, 20-second windows of the
same mix ran 620 to 850 requests a second, and the CPU each request cost moved with it, in the app nodes,
PostgreSQL and the load generator alike (2.3 to 3.1 ms in all). The same fixed piece of work, timed in CPU
time on the idle machine, took from 57 to 97 ms from one second to the next: the machine's own speed varies
(other guests on the host share its caches and memory), not only the platform's work. So the benchmark
prints each window's rate and CPU per request, the rate the cores could carry at that cost, and the fixed
work's times before the load, to compare runs by.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table

from bench.national_cpu import CpuSplit, Watched, snapshot
from bench.national_traffic import Tally

REFERENCE_TRIES = 15
REFERENCE_PAUSE_SECONDS = 0.3


@dataclass(frozen=True)
class Window:
    seconds: float
    requests: int
    spent: CpuSplit  # CPU seconds in the window, by part

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def per_request(self) -> CpuSplit:
        return self.spent.per(max(self.requests, 1))


def answered(tallies: dict[str, Tally]) -> int:
    return sum(len(tally.latencies) for tally in tallies.values())


async def record_windows(
    tallies: dict[str, Tally], watched: Watched, *, seconds: float, every: float, into: list[Window]
) -> None:
    """While the load runs for `seconds`, each `every` seconds: the requests answered and the CPU spent."""
    started = time.monotonic()
    at, count, spent = started, answered(tallies), snapshot(watched)
    while (now := time.monotonic()) + every <= started + seconds + every / 2:
        await asyncio.sleep(max(0.0, at + every - now))
        now, count_now, spent_now = time.monotonic(), answered(tallies), snapshot(watched)
        into.append(Window(now - at, count_now - count, spent_now - spent))
        at, count, spent = now, count_now, spent_now


def reference_work_ms() -> float:
    """CPU milliseconds of one fixed piece of work (Python arithmetic, a dict, hashing): the same every time
    on the same machine, but for the machine's speed."""
    started = time.process_time()
    total = 0
    for number in range(300_000):
        total += number * number % 7
    table = {str(number): number for number in range(100_000)}
    hashlib.sha256(b"x" * 5_000_000).digest()
    del table
    return (time.process_time() - started) * 1000


async def reference_times(tries: int = REFERENCE_TRIES, work: Callable[[], float] = reference_work_ms) -> list[float]:
    times = []
    for _ in range(tries):
        times.append(work())
        await asyncio.sleep(REFERENCE_PAUSE_SECONDS)
    return times


def windows_table(windows: list[Window], reference_ms: list[float]) -> Table:
    cores = os.cpu_count() or 1
    table = Table(
        "window",
        "req/s",
        "nodes ms",
        "PostgreSQL ms",
        "PgBouncer ms",
        "load gen. ms",
        "all ms",
        "the cores' most req/s at that",
        "busy",
        title="The mixed load window by window: CPU per request, and the rate the cores could carry at that cost",
    )
    for number, window in enumerate(windows, start=1):
        per = window.per_request
        table.add_row(
            f"{number} ({window.seconds:.0f} s)",
            f"{window.rate:,.0f}",
            f"{per.nodes:.2f}",
            f"{per.postgres:.2f}",
            f"{per.pgbouncer:.2f}",
            f"{per.client:.2f}",
            f"{per.total:.2f}",
            f"{cores * 1000 / per.total:,.0f}" if per.total else "-",
            f"{window.spent.total / window.seconds / cores:.0%}",
        )
    if windows:
        rates = [window.rate for window in windows]
        median = statistics.median(rates)
        table.caption = f"median {median:,.0f} requests/s, from {min(rates):,.0f} to {max(rates):,.0f}"
    if reference_ms:
        table.caption = (table.caption or "") + (
            f"\nthe same fixed CPU work on this machine before the load ({len(reference_ms)} tries): "
            f"{min(reference_ms):.0f} to {max(reference_ms):.0f} ms, median {statistics.median(reference_ms):.0f}"
            " (compare runs by it: the machine's own speed moves the figures above)"
        )
    return table
