"""Submit throughput and p99 latency through the whole HTTP stack, beside the raw insert limit.

The platform is served as in production, by `civicshare serve` in a subprocess (1 worker, then 2) on
loopback, and driven by `wrk` (Debian package `wrk`; `apt-get install wrk`) for 10 seconds per round,
each request a new "report a streetlight" submission with its own Idempotency-Key, spread over eight
councils. Each load is run ROUNDS times after a short warm-up, and the median round is shown with the
range of all rounds: machines like ours share their cores, and one round can be a fifth slower than
the next. Without wrk the load comes from an httpx.AsyncClient pool instead (slower: the client then
competes with the server for the same cores). The raw limit is single-row asyncpg INSERTs into the same
councils' transactions tables over 8 connections, autocommitted, in the same run: measured for 4
seconds before each load (with the platform idle), so that it meets the tables as full and the machine
as busy as the load does; the median of those is the one the loads are held to.

    make bench   or   .venv/bin/python -m bench submissions
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from rich.table import Table

from bench.harness import BenchDatabase, verdict
from civicshare.db.metadata import tenant_schema_name
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import onboard_tenant

COUNCILS = 8
LOADS = ((1, 64), (2, 64), (2, 32))  # (workers, concurrent connections)
ROUNDS = 3
SECONDS = 10
WARM_UP_SECONDS = 2
RAW_CONNECTIONS = 8
RAW_SECONDS = 4
SERVICE = "report-streetlight"
BODY = (
    '{"answers": {"location_description": "Outside 4 Mill Lane", "fault": "out"},'
    ' "channel": "web", "contact_email": "bench@example.org"}'
)

WRK_SCRIPT = """
local counter = 0
local hosts = {%(hosts)s}
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  local host = hosts[(counter %% #hosts) + 1]
  local headers = {["Host"] = host, ["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = "%(run)s-" .. id .. "-" .. counter}
  return wrk.format("POST", "/api/v1/services/%(service)s/transactions", headers, '%(body)s')
end
"""


@dataclass
class Result:
    label: str
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _make_councils(database: BenchDatabase) -> list[TenantDefinition]:
    councils = []
    for number in range(COUNCILS):
        slug = f"bench-{uuid.uuid4().hex[:6]}"
        letters = "".join(chr(ord("A") + (uuid.uuid4().int >> shift) % 26) for shift in (0, 5, 10, 15, 20))
        definition = TenantDefinition.model_validate(
            {
                "slug": slug,
                "name": f"Bench Council {number}",
                "gss_code": f"E09{uuid.uuid4().int % 10**6:06d}",
                "reference_prefix": letters,
                "modules": {"highways": {"enabled": True}},
            }
        )
        async with database.database.engine.begin() as connection:
            await onboard_tenant(connection, definition)
        councils.append(definition)
    return councils


async def _raw_limit(url: str, councils: list[TenantDefinition]) -> Result:
    """Single-row INSERTs, autocommitted, over RAW_CONNECTIONS connections: the database's own ceiling."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    connections = [await asyncpg.connect(dsn) for _ in range(RAW_CONNECTIONS)]
    run = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    deadline = time.perf_counter() + RAW_SECONDS

    async def insert_loop(index: int, connection: Any) -> int:
        schema = tenant_schema_name(councils[index % len(councils)].slug)
        statement = await connection.prepare(
            f'INSERT INTO "{schema}".transactions (reference, module, service, channel, status, answers, '
            "submitter_kind, contact_email) VALUES ($1, 'highways', $2, 'web', 'submitted', $3::jsonb, "
            "'anonymous', 'bench@example.org')"
        )
        done = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await statement.fetch(f"RAW-{run}-{index}-{done}", SERVICE, '{"fault": "out"}')
            latencies.append(time.perf_counter() - started)
            done += 1
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(insert_loop(i, c) for i, c in enumerate(connections)))
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    latencies.sort()
    return Result(
        f"raw INSERTs ({RAW_CONNECTIONS} connections)",
        sum(counts) / elapsed,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        0,
    )


def _serve(url: str, workers: int, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "CIVICSHARE_DATABASE_URL": url,
        "CIVICSHARE_LOG_LEVEL": "WARNING",
        "CIVICSHARE_DATA_DIR": str(data_dir),
        "CIVICSHARE_DB_POOL_SIZE": "16",
    }
    command = [str(Path(sys.executable).parent / "civicshare"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _wait_until_up(port: int, host: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(1200):  # two minutes: on a busy shared machine, starting takes more than 30 seconds
            try:
                response = await client.get("/api/v1/services", headers={"Host": host})
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the platform did not start for the benchmark")


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _wrk(port: int, hosts: list[str], connections: int, seconds: int) -> Result:
    script = WRK_SCRIPT % {
        "hosts": ", ".join(f'"{host}"' for host in hosts),
        "run": uuid.uuid4().hex[:8],
        "service": SERVICE,
        "body": BODY,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", file.name]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    Path(file.name).unlink()
    try:
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
        p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    except AttributeError:
        raise RuntimeError(f"could not read wrk's report:\n{output}") from None
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: .*?timeout (\d+)", output)
    failures = (int(errors.group(1)) if errors else 0) + (int(socket_errors.group(1)) if socket_errors else 0)
    return Result("", rate, p50, p99, failures)


async def _httpx_load(port: int, hosts: list[str], connections: int, seconds: int) -> Result:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:

        async def worker(number: int) -> None:
            nonlocal failures
            sent = 0
            while time.perf_counter() < deadline:
                sent += 1
                headers = {
                    "Host": hosts[(number + sent) % len(hosts)],
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"{number}-{sent}-{uuid.uuid4().hex[:6]}",
                }
                started = time.perf_counter()
                response = await client.post(f"/api/v1/services/{SERVICE}/transactions", content=BODY, headers=headers)
                latencies.append(time.perf_counter() - started)
                failures += response.status_code != 201

        started = time.perf_counter()
        await asyncio.gather(*(worker(number) for number in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        "",
        len(latencies) / elapsed,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        failures,
    )


@dataclass
class Rounds:
    label: str
    rounds: list[Result]

    @property
    def median(self) -> Result:
        return sorted(self.rounds, key=lambda result: result.requests_per_second)[len(self.rounds) // 2]

    @property
    def median_p99_ms(self) -> float:
        return statistics.median(result.p99_ms or 0.0 for result in self.rounds)

    @property
    def errors(self) -> int:
        return sum(result.errors for result in self.rounds)

    def spread(self, value: str) -> str:
        values = [getattr(result, value) or 0.0 for result in self.rounds]
        return f"{min(values):,.0f}-{max(values):,.0f}"


async def _load(port: int, hosts: list[str], connections: int, seconds: int) -> Result:
    if shutil.which("wrk"):
        return await asyncio.to_thread(_wrk, port, hosts, connections, seconds)
    return await _httpx_load(port, hosts, connections, seconds)


async def _through_http(
    url: str, councils: list[TenantDefinition], workers: int, raw_rounds: list[Result]
) -> list[Rounds]:
    port = _free_port()
    hosts = [f"{council.slug}.localhost" for council in councils]
    tool = "wrk" if shutil.which("wrk") else "httpx"
    measured = []
    with tempfile.TemporaryDirectory() as data_dir:
        server = _serve(url, workers, port, Path(data_dir))
        try:
            await _wait_until_up(port, hosts[0])
            for load_workers, connections in LOADS:
                if load_workers != workers:
                    continue
                # The raw limit is measured again beside every load, on tables as full as the load's.
                raw_rounds.append(await _raw_limit(url, councils))
                await _load(port, hosts, connections, WARM_UP_SECONDS)  # every worker's caches and connections
                rounds = [await _load(port, hosts, connections, SECONDS) for _ in range(ROUNDS)]
                label = f"HTTP submit, {workers} worker{'s' if workers > 1 else ''}, {connections} connections ({tool})"
                measured.append(Rounds(label, rounds))
        finally:
            server.terminate()
            server.wait(timeout=40)
    return measured


async def run_benchmark(database: BenchDatabase) -> Table:
    councils = await _make_councils(database)
    raw_rounds: list[Result] = []
    measured = []
    for workers in sorted({workers for workers, _ in LOADS}):
        measured += await _through_http(database.url, councils, workers, raw_rounds)
    raw = Rounds(f"raw INSERTs ({RAW_CONNECTIONS} connections), before each load", raw_rounds)
    raw_rate = raw.median.requests_per_second
    table = Table(
        "measure",
        "submissions/s (median, range)",
        "p50 ms",
        "p99 ms (median, range)",
        "errors",
        "≥1,000/s",
        "p99 < 100 ms",
        "≥ ¼ raw",
        title=f"Submissions: {COUNCILS} councils, {ROUNDS} rounds of {SECONDS}s per load, "
        f"{os.cpu_count()} CPUs shared with PostgreSQL",
    )
    table.add_row(
        raw.label,
        f"{raw_rate:,.0f} ({raw.spread('requests_per_second')})",
        f"{raw.median.p50_ms:.2f}",
        f"{raw.median_p99_ms:.2f}",
        "0",
    )
    for load in measured:
        median = load.median
        table.add_row(
            load.label,
            f"{median.requests_per_second:,.0f} ({load.spread('requests_per_second')})",
            f"{median.p50_ms:.1f}" if median.p50_ms is not None else "",
            f"{load.median_p99_ms:.0f} ({load.spread('p99_ms')})",
            str(load.errors),
            verdict(median.requests_per_second >= 1000),
            verdict(load.median_p99_ms < 100),
            verdict(median.requests_per_second >= raw_rate / 4),
        )
    return table
