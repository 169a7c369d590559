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

import aiohttp
import psutil
from rich.table import Table

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


def _named(name: str) -> list[psutil.Process]:
    return [process for process in psutil.process_iter(["name"]) if process.info["name"] == name]


def snapshot(node_pids: list[int]) -> CpuSplit:
    """Every process's CPU seconds so far, by part (new PostgreSQL backends count from their start)."""
    return CpuSplit(
        nodes=sum(_seconds(process) for pid in node_pids for process in _tree(pid)),
        postgres=sum(_seconds(process) for process in _named("postgres")),
        pgbouncer=sum(_seconds(process) for process in _named("pgbouncer")),
        client=_seconds(psutil.Process(os.getpid())),
    )


async def _drive(session: aiohttp.ClientSession, target: Target, kind: Kind, count: int) -> int:
    remaining = count
    failures = 0

    async def one_client() -> None:
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            request = kind.make(target)
            async with session.request(
                request.method, request.url, headers=request.headers, json=request.json, allow_redirects=False
            ) as answer:
                await answer.read()
                failures += answer.status != request.expect

    await asyncio.gather(*(one_client() for _ in range(CONCURRENCY)))
    return failures


async def cpu_per_kind(target: Target, node_pids: list[int], per_kind: int) -> Table:
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
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        for kind in kinds:
            await _drive(session, target, kind, max(4, per_kind // 10))  # warm the caches and connections
            before, started = snapshot(node_pids), time.perf_counter()
            failures = await _drive(session, target, kind, per_kind)
            after, wall = snapshot(node_pids), time.perf_counter() - started
            split = CpuSplit(
                *(
                    (getattr(after, part) - getattr(before, part)) * 1000 / per_kind
                    for part in ("nodes", "postgres", "pgbouncer", "client")
                )
            )
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
