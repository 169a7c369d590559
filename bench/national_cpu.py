"""Where the national benchmark's CPU goes: each kind of request alone, and the CPU it costs per request in
the app nodes, PostgreSQL, PgBouncer and the load generator itself (`bench national --cpu-per-kind N`).

On two cores the mixed rate is bounded by the sum of these: a kind that costs 10 ms of CPU in all can never
run faster than 200 a second, whatever the latency. Compare the columns, not the wall time.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass

import psutil
from rich.table import Table

from bench.lean_http import Client
from bench.national_traffic import KINDS, Kind, Target

CONCURRENCY = 4


@dataclass(frozen=True)
class CpuSplit:
    nodes: float
    postgres: float
    pgbouncer: float
    client: float

    @property
    def total(self) -> float:
        return self.nodes + self.postgres + self.pgbouncer + self.client

    def __sub__(self, earlier: CpuSplit) -> CpuSplit:
        return CpuSplit(
            self.nodes - earlier.nodes,
            self.postgres - earlier.postgres,
            self.pgbouncer - earlier.pgbouncer,
            self.client - earlier.client,
        )

    def per(self, requests: int) -> CpuSplit:
        """Milliseconds per request, from seconds in all."""
        return CpuSplit(*(part * 1000 / requests for part in (self.nodes, self.postgres, self.pgbouncer, self.client)))


def _seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return times.user + times.system


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@dataclass(frozen=True)
class Watched:
    """The processes of this benchmark's own fleet (other PostgreSQL servers on the machine do not count)."""

    node_pids: list[int]
    postgres_pid: int  # the postmaster: its backends are its children
    pgbouncer_pid: int


def snapshot(watched: Watched) -> CpuSplit:
    """CPU seconds so far, by part (backends that ended meanwhile are lost, so keep connections pooled)."""
    return CpuSplit(
        nodes=sum(_seconds(process) for pid in watched.node_pids for process in _tree(pid)),
        postgres=sum(_seconds(process) for process in _tree(watched.postgres_pid)),
        pgbouncer=sum(_seconds(process) for process in _tree(watched.pgbouncer_pid)),
        client=_seconds(psutil.Process(os.getpid())),
    )


async def _drive(target: Target, kind: Kind, count: int) -> int:
    remaining = count
    failures = 0

    async def one_client() -> None:
        nonlocal remaining, failures
        connections = Client()
        try:
            while remaining > 0:
                remaining -= 1
                request = kind.make(target)
                answer = await connections.request(request.method, request.url, request.headers, request.json)
                failures += answer.status != request.expect
        finally:
            connections.close()

    await asyncio.gather(*(one_client() for _ in range(CONCURRENCY)))
    return failures


async def cpu_per_kind(target: Target, watched: Watched, per_kind: int) -> Table:
    table = Table(
        "kind",
        "requests",
        "wall ms/request",
        "nodes ms",
        "PostgreSQL ms",
        "PgBouncer ms",
        "load generator ms",
        "CPU ms in all",
        "most per 2 cores",
        "errors",
        title=f"CPU per request, each kind alone ({CONCURRENCY} clients)",
    )
    kinds = [kind for kind in KINDS if kind.group != "staff" or target.staff_cookies]
    weighted = 0.0
    for kind in kinds:
        await _drive(target, kind, max(4, per_kind // 10))  # warm the caches and connections
        before, started = snapshot(watched), time.perf_counter()
        failures = await _drive(target, kind, per_kind)
        after, wall = snapshot(watched), time.perf_counter() - started
        split = (after - before).per(per_kind)
        weighted += split.total * kind.weight
        table.add_row(
            kind.name,
            f"{per_kind:,}",
            f"{wall * 1000 / per_kind:.2f}",
            f"{split.nodes:.2f}",
            f"{split.postgres:.2f}",
            f"{split.pgbouncer:.2f}",
            f"{split.client:.2f}",
            f"[bold]{split.total:.2f}[/bold]",
            f"{2000 / split.total:,.0f}/s" if split.total else "-",
            str(failures),
        )
    mean = weighted / sum(kind.weight for kind in kinds)
    table.caption = (
        f"the mix's weighted mean: {mean:.2f} ms of CPU per request: at most {2000 / mean:,.0f} requests/s on 2 cores"
    )
    return table
