"""National scale: every UK council on one platform, on our machine.

    .venv/bin/python -m bench national                                   (400 councils, 20M requests)
    .venv/bin/python -m bench national --councils 20 --transactions 200000 --seconds 20   (minutes)

Onboards --councils councils the platform's way (schemas created at head, every module enabled) and times
it, then times `migrate` over all of them; loads --transactions requests (a year of them, spread evenly;
bench/national_load.py); starts PgBouncer in transaction pooling and two app nodes (`civicshare serve`,
one worker each) through it with bench/national_traffic.py's mixed load from --clients concurrent
clients for --seconds (residents submitting, tracking and browsing, officers working queues and reading
savings reports, Open311 reads) while a council more is onboarded through the admin API. Then
PostgreSQL's memory per backend after touching every council's tables, and the catalogue's size.
Everything lives in its own embedded PostgreSQL under --data-dir (var/bench-national), dropped and
loaded again each run unless --reuse finds it loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import bench.harness  # noqa: F401 (the rate limits far above the load, for the nodes too)
from bench.national_cpu import CpuSplit, Watched, cpu_per_kind, snapshot
from bench.national_load import council_definition, installed_modules, load_councils, onboard_councils
from bench.national_traffic import TARGET_P99_MS, Council, Tally, Target, run_at_rate, run_load
from bench.national_windows import Window, record_windows, reference_times, windows_table
from bench.service_mix import service_mix
from civicshare.admin.keys import create_key
from civicshare.db.engine import Database, make_engine
from civicshare.db.metadata import tenant_schema_name
from civicshare.db.migrations import upgrade_platform
from civicshare.db.migrations.runner import TENANT_STREAM
from civicshare.db.migrations.spares import spare_schema_names, top_up_spare_schemas
from civicshare.db.sql_text import identifier
from civicshare.fleet.database import EmbeddedPostgres, PgBouncer, default_server_connections, free_port
from civicshare.fleet.parts import Part, Together, running_fleet
from civicshare.fleet.processes import AppNode
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.identity.provider import dev_issuer
from civicshare.policy.operators import OperatorScope
from civicshare.settings import PROJECT_ROOT, Mode, Settings
from civicshare.tenancy.fleet import migrate_everything

DATABASE = "national"
OFFICER = "olive.officer@bench.example"
STAFF_COUNCILS = 8  # councils whose officers sign in (on each node) and work their queues
TRACKED_PER_COUNCIL = 20
NEWCOMER_NUMBERS = 400_000  # the council onboarded under load is numbered from here
TARGET_MIXED_PER_SECOND = 1000.0
TARGET_ONBOARDING_SECONDS = 1.0
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Options:
    councils: int
    transactions: int
    seconds: float
    clients: int
    data_dir: Path
    reuse: bool
    load_at_once: int
    pool_size: int
    server_connections: int
    cpu_per_kind: int = 0
    warm_up: float = 0.0
    shared_buffers: str = "4GB"
    loads: tuple[float, ...] = (0.5, 0.75)
    load_seconds: float = 30.0
    window_seconds: float = 10.0


def parse(arguments: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench national", description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--transactions", type=int, default=20_000_000, help="in all, spread over the councils")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the mixed load runs")
    parser.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "var" / "bench-national")
    parser.add_argument("--reuse", action="store_true", help="keep the data if a run with the same sizes left it")
    parser.add_argument("--load-at-once", type=int, default=2, help="councils onboarded and loaded at once")
    parser.add_argument("--pool-size", type=int, default=10, help="each node's database pool")
    parser.add_argument(
        "--server-connections",
        type=int,
        default=default_server_connections(),
        help="PgBouncer's server connections (default: twice the cores and one)",
    )
    parser.add_argument(
        "--cpu-per-kind", type=int, default=0, help="first send N requests of each kind alone and show their CPU"
    )
    parser.add_argument(
        "--warm-up",
        type=float,
        default=60.0,
        help="first run the mix this many seconds after PgBouncer starts (its table shown as the cold start)",
    )
    parser.add_argument(
        "--shared-buffers",
        default="4GB",
        help="the server's shared_buffers (PostgreSQL's default of 128MB holds little of a 15 GB database)",
    )
    parser.add_argument(
        "--loads",
        default="0.5,0.75",
        help="after the mix, requests arriving at these shares of its rate (an open loop), for the latencies "
        "residents and staff see below saturation; '' for none",
    )
    parser.add_argument("--load-seconds", type=float, default=30.0, help="how long each of --loads runs")
    parser.add_argument(
        "--window-seconds", type=float, default=10.0, help="the mix's rate and CPU are also shown this often"
    )
    given = parser.parse_args(arguments)
    return Options(
        given.councils,
        given.transactions,
        given.seconds,
        given.clients,
        given.data_dir.resolve(),
        given.reuse,
        given.load_at_once,
        given.pool_size,
        given.server_connections,
        given.cpu_per_kind,
        given.warm_up,
        given.shared_buffers,
        tuple(float(share) for share in given.loads.split(",") if share.strip()),
        given.load_seconds,
        given.window_seconds,
    )


@dataclass
class Prepared:
    onboard_seconds: float | None
    load_seconds: float | None
    rows: int
    migrate_seconds: float | None = None
    migrated: int = 0


def _one_revision_down(connection: Connection, schema: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(TENANT_STREAM))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    command.downgrade(config, "-1")


async def time_migrating_every_council(database: Database, console: Console) -> tuple[float, int]:
    """Take every council's schema one revision down (the latest migration undone), then time
    `migrate_everything`, which `civicshare migrate` runs, bringing them all up to head again."""
    async with database.engine.connect() as connection:
        schemas = list((await connection.execute(text("SELECT schema_name FROM platform.tenants"))).scalars())
    for schema in schemas:
        async with database.engine.begin() as connection:
            await connection.run_sync(_one_revision_down, schema)
    started = time.perf_counter()
    outcomes = await migrate_everything(database, concurrency=os.cpu_count() or 2)
    seconds = time.perf_counter() - started
    upgraded = sum(outcome.outcome == "upgraded" for outcome in outcomes)
    console.print(f"migrated {upgraded} of {len(outcomes)} councils one revision up in {seconds:.1f} s")
    return seconds, upgraded


async def remove_earlier_newcomers(engine: AsyncEngine) -> int:
    """The councils earlier runs onboarded under load (and their schemas) removed, one transaction each (a
    schema's some 220 relations each take a lock), so that each run migrates and measures the same
    councils; how many."""
    async with engine.connect() as connection:
        found = (
            await connection.execute(text("SELECT id, schema_name FROM platform.tenants WHERE slug LIKE 'newcomer-%'"))
        ).all()
    for council_id, schema in found:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {identifier(schema)} CASCADE"))
            await connection.execute(text("DELETE FROM platform.tenants WHERE id = :id"), {"id": council_id})
    return len(found)


def _admin_url(direct_url: str) -> str:
    return direct_url.replace(f"/{DATABASE}?", "/postgres?")


async def _already_loaded(direct_url: str, options: Options) -> int | None:
    """The rows a previous run left, if it onboarded the same councils (else None)."""
    engine = create_async_engine(_admin_url(direct_url))
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
            )
    finally:
        await engine.dispose()
    if not exists:
        return None
    engine = create_async_engine(direct_url)
    try:
        async with engine.connect() as connection:
            councils = await connection.scalar(
                text("SELECT count(*) FROM platform.tenants WHERE slug LIKE 'council-%'")
            )
            if councils != options.councils:
                return None
            rows = await connection.scalar(
                text("SELECT sum(reltuples)::bigint FROM pg_class WHERE relname = 'transactions' AND relkind = 'r'")
            )
    except Exception:  # no control plane: not a finished run
        return None
    finally:
        await engine.dispose()
    return int(rows or 0)


async def _fresh_database(direct_url: str) -> None:
    engine = create_async_engine(_admin_url(direct_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        await engine.dispose()


def _every(step: int, done: int, console: Console, said: str) -> None:
    if done % step == 0:
        console.print(said)


async def prepare(database: Database, options: Options, console: Console) -> Prepared:
    mix = service_mix()
    definitions = [council_definition(number, installed_modules(mix)) for number in range(1, options.councils + 1)]
    await upgrade_platform(database.engine)

    started = time.perf_counter()
    await onboard_councils(
        database.engine,
        definitions,
        at_once=options.load_at_once,
        progress=lambda done: _every(50, done, console, f"  onboarded {done} councils"),
    )
    onboard_seconds = time.perf_counter() - started
    console.print(f"onboarded {len(definitions)} councils in {onboard_seconds:.1f} s")

    loaded = await load_councils(
        database.engine,
        definitions,
        options.transactions,
        mix,
        at_once=options.load_at_once,
        progress=lambda done: _every(20, done, console, f"  loaded {done} councils"),
    )
    console.print(f"loaded {loaded.rows:,} requests in {loaded.seconds:.0f} s ({loaded.rows / loaded.seconds:,.0f}/s)")
    return Prepared(onboard_seconds, loaded.seconds, loaded.rows)


async def _councils_to_drive(engine: AsyncEngine) -> list[Council]:
    async with engine.connect() as connection:
        slugs = list(
            (await connection.execute(select_benchmark_councils)).scalars()  # the loaded councils, not the 401st
        )
        councils = []
        for slug in slugs:
            schema = tenant_schema_name(slug)
            rows = await connection.execute(
                text(
                    f'SELECT reference, contact_email FROM "{schema}".transactions '
                    f"WHERE id % 97 = 1 AND contact_email IS NOT NULL ORDER BY id LIMIT {TRACKED_PER_COUNCIL}"
                )
            )
            councils.append(Council(slug, [(row.reference, row.contact_email) for row in rows]))
    return [council for council in councils if council.tracked]


select_benchmark_councils = text("SELECT slug FROM platform.tenants WHERE slug LIKE 'council-%' ORDER BY slug")


async def _officers(settings: Settings, councils: list[Council]) -> DevIdentity:
    identity = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
    for council in councils[:STAFF_COUNCILS]:
        await identity.ensure_council(CouncilOrganization(council.slug, council.slug, (), True, ()))
        await identity.add_staff(council.slug, OFFICER, Role.COUNCIL_ADMIN)
    return identity


async def _sign_in(session: aiohttp.ClientSession, node: str, slug: str) -> str:
    """An officer's Cookie header at `slug` on `node`, signed in through the dev identity's page."""
    host = {"Host": f"{slug}.localhost"}
    async with session.get(f"{node}/dev-identity/sign-in?next=/", headers=host) as page:
        body = await page.text()
        csrf = page.cookies["civicshare_csrf"].value
    match = CSRF_INPUT.search(body)
    assert match is not None, body[:500]
    async with session.post(
        f"{node}/dev-identity/sign-in",
        data={"email": OFFICER, "next": "/", "csrf_token": match[1]},
        headers={**host, "Cookie": f"civicshare_csrf={csrf}"},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 303, await answer.text()
        session_cookie = answer.cookies["civicshare_session"].value
    return f"civicshare_csrf={csrf}; civicshare_session={session_cookie}"


@dataclass
class Onboarding:
    seconds: float | None = None
    until_served: float | None = None
    problem: str = ""
    from_spare: bool = False  # a spare schema the fleet's worker made ahead was ready, and taken


async def _onboard_more(
    nodes: list[str], key: str, seconds: float, engine: AsyncEngine, outcomes: list[Onboarding]
) -> None:
    """Onboard a council through the admin API at each third of the load's `seconds`: the first takes the
    spare schema made before the load (as a fleet's worker keeps one ready), the second is made fresh (no
    worker runs here to make another)."""
    started = time.monotonic()
    for outcome, at in zip(outcomes, (seconds / 3, seconds * 2 / 3), strict=True):
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        async with engine.connect() as connection:
            spares_before = len(await spare_schema_names(connection))
        number = NEWCOMER_NUMBERS + secrets.randbelow(NEWCOMER_NUMBERS)  # unique GSS code and prefix each run
        await _onboard_one_more(nodes, key, number, outcome)
        async with engine.connect() as connection:
            outcome.from_spare = len(await spare_schema_names(connection)) < spares_before


async def _onboard_one_more(nodes: list[str], key: str, number: int, outcome: Onboarding) -> None:
    """The admin API onboards council `number` on one node; then wait until the other serves it."""
    definition = council_definition(number, installed_modules(service_mix()))
    definition = definition.model_copy(update={"slug": f"newcomer-{number}"})
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        async with session.post(
            f"{nodes[0]}/admin/v1/councils",
            json=definition.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {key}"},
        ) as answer:
            if answer.status != 201:
                outcome.problem = f"{answer.status}: {(await answer.text())[:300]}"
                return
        outcome.seconds = time.perf_counter() - started
        host = {"Host": f"{definition.slug}.localhost"}
        while time.perf_counter() - started < 30:
            async with session.get(f"{nodes[-1]}/api/v1/council", headers=host) as answer:
                if answer.status == 200:
                    outcome.until_served = time.perf_counter() - started
                    return
            await asyncio.sleep(0.05)
        outcome.problem = "the other node did not serve it within 30 s"


@dataclass(frozen=True)
class Memory:
    tables_touched: int
    before_kb: float
    after_kb: float
    cache_kb: float
    pss_kb: float | None
    pooled_backends: int
    pooled_pss_kb: float | None


def _pss_kb(pid: int) -> float | None:
    try:
        text_ = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    found = re.search(r"^Pss:\s+(\d+) kB", text_, re.M)
    return float(found[1]) if found else None


async def measure_memory(engine: AsyncEngine) -> Memory:
    """A backend's memory before and after it has read every council's tables once (the relation and
    catalogue caches each schema costs), and the Pss of the backends PgBouncer kept after the load."""
    contexts = text("SELECT sum(total_bytes) / 1024.0 FROM pg_backend_memory_contexts")
    cache = text("SELECT sum(total_bytes) / 1024.0 FROM pg_backend_memory_contexts WHERE name = 'CacheMemoryContext'")
    async with engine.connect() as opened:
        # Each statement its own transaction: one holding a lock on every council's tables at once runs
        # out of lock slots (max_locks_per_transaction) long before 400 councils; the caches stay.
        connection = await opened.execution_options(isolation_level="AUTOCOMMIT")
        pooled = (
            await connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        ).scalars()
        pooled_pss = [pss for pid in pooled if (pss := _pss_kb(int(pid))) is not None]
        before = float(await connection.scalar(contexts) or 0)
        tables = (
            await connection.execute(
                text("SELECT schemaname, tablename FROM pg_tables WHERE schemaname LIKE 'tenant\\_%' ORDER BY 1, 2")
            )
        ).all()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for schema, table in tables:
            await driver.execute(f'SELECT 1 FROM "{schema}"."{table}" WHERE false')
        after = float(await connection.scalar(contexts) or 0)
        cache_kb = float(await connection.scalar(cache) or 0)
        pss_kb = _pss_kb(int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0))  # while it lives
    return Memory(
        len(tables),
        before,
        after,
        cache_kb,
        pss_kb,
        len(pooled_pss),
        statistics.mean(pooled_pss) if pooled_pss else None,
    )


async def catalogue_size(engine: AsyncEngine) -> tuple[int, int, int, int]:
    """pg_class rows, pg_catalog's size, the database's size, council schemas."""
    async with engine.connect() as connection:
        relations = int(await connection.scalar(text("SELECT count(*) FROM pg_class")) or 0)
        catalogue = int(
            await connection.scalar(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
                )
            )
            or 0
        )
        size = int(await connection.scalar(text("SELECT pg_database_size(current_database())")) or 0)
        schemas = int(await connection.scalar(text("SELECT count(*) FROM platform.tenants")) or 0)
    return relations, catalogue, size, schemas


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]missed[/red]"


def load_table(
    tallies: dict[str, Tally],
    elapsed: float,
    options: Options,
    onboardings: list[Onboarding] | None,
    title: str = "Mixed load over two nodes",
    *,
    spent: CpuSplit | None = None,
) -> Table:
    table = Table("kind", "requests", "req/s", "p50 ms", "p99 ms", "errors", "p99 target", title=title)
    total = 0
    for name, tally in tallies.items():
        group = name.split(":")[0].lower()
        target = TARGET_P99_MS.get(group, 250.0)
        count = len(tally.latencies)
        total += count
        if count == 0:
            table.add_row(name, "0", "-", "-", "-", str(tally.failed + tally.unexpected), f"< {target:.0f} ms")
            continue
        p99 = _percentile(tally.latencies, 0.99)
        errors = tally.failed + tally.unexpected
        table.add_row(
            name,
            f"{count:,}",
            f"{count / elapsed:,.0f}",
            f"{_percentile(tally.latencies, 0.5):.1f}",
            f"{p99:.1f}",
            f"{errors}" + (f" ({tally.example[:60]})" if errors else ""),
            f"< {target:.0f} ms {_verdict(p99 < target)}",
        )
    rate = total / elapsed
    table.add_row(
        "[bold]all, mixed[/bold]",
        f"{total:,}",
        f"[bold]{rate:,.0f}[/bold]",
        "",
        "",
        "",
        f">= {TARGET_MIXED_PER_SECOND:,.0f}/s {_verdict(rate >= TARGET_MIXED_PER_SECOND)}",
    )
    table.caption = f"{options.clients} clients for {elapsed:.0f} s; {os.cpu_count()} CPUs shared with PostgreSQL"
    if spent is not None and total:
        per_request = spent.per(total)
        busy = spent.total / elapsed / (os.cpu_count() or 1)
        table.caption += (
            f"\nCPU per request in the mix: nodes {per_request.nodes:.2f} ms, PostgreSQL {per_request.postgres:.2f}, "
            f"PgBouncer {per_request.pgbouncer:.2f}, load generator {per_request.client:.2f}: "
            f"{per_request.total:.2f} ms in all; the machine was {busy:.0%} busy with them"
        )
    for onboarding in onboardings or []:
        seconds = onboarding.seconds
        served = onboarding.until_served
        made = "a spare schema" if onboarding.from_spare else "made fresh"
        table.add_row(
            f"onboarding a council more, under load ({made})",
            "1",
            "",
            f"{seconds * 1000:.0f}" if seconds is not None else onboarding.problem[:40],
            f"served by the other node after {served * 1000:.0f} ms" if served else "",
            "",
            f"< {TARGET_ONBOARDING_SECONDS:.0f} s "
            + _verdict(seconds is not None and seconds < TARGET_ONBOARDING_SECONDS),
        )
    return table


def _disk_bytes(path: Path) -> int:
    found = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=False).stdout.split()
    return int(found[0]) if found else 0


def platform_table(
    options: Options, prepared: Prepared, memory: Memory, catalogue: tuple[int, int, int, int], disk: int
) -> Table:
    relations, catalogue_bytes, database_bytes, schemas = catalogue
    table = Table("measure", "value", title=f"{schemas} councils, {prepared.rows:,} requests")
    if prepared.onboard_seconds is not None:
        table.add_row(
            "onboard every council (schemas at head)",
            f"{prepared.onboard_seconds:.1f} s ({prepared.onboard_seconds / options.councils * 1000:.0f} ms each)",
        )
    if prepared.migrate_seconds is not None:
        table.add_row(
            "`migrate` every council one revision up (the latest migration)",
            f"{prepared.migrate_seconds:.1f} s ({prepared.migrated} upgraded)",
        )
    if prepared.load_seconds is not None:
        table.add_row(
            "load the year of requests (+ rollups, analyse)",
            f"{prepared.load_seconds:.0f} s ({prepared.rows / prepared.load_seconds:,.0f} rows/s)",
        )
    table.add_row("tables read by one backend (every council's)", f"{memory.tables_touched:,}")
    table.add_row(
        "its memory contexts before -> after",
        f"{memory.before_kb / 1024:.1f} MB -> {memory.after_kb / 1024:.1f} MB "
        f"(cache {memory.cache_kb / 1024:.1f} MB; {(memory.after_kb - memory.before_kb) / max(schemas, 1):.0f} kB "
        "per council)",
    )
    if memory.pss_kb is not None:
        table.add_row("its Pss (/proc/<pid>/smaps_rollup)", f"{memory.pss_kb / 1024:.1f} MB")
    if memory.pooled_pss_kb is not None:
        table.add_row(
            "the database's other backends after the load (PgBouncer's, the bench's), mean Pss",
            f"{memory.pooled_pss_kb / 1024:.1f} MB over {memory.pooled_backends} backends",
        )
    table.add_row("catalogue: pg_class rows", f"{relations:,}")
    table.add_row("catalogue: pg_catalog size", f"{catalogue_bytes / 2**20:,.0f} MB")
    table.add_row("database size", f"{database_bytes / 2**30:,.2f} GB")
    per_request = database_bytes / max(prepared.rows, 1)
    table.add_row("data directory on disk (WAL included)", f"{disk / 2**30:,.2f} GB")
    table.add_row("database bytes per request (indexes, rollups, schemas)", f"{per_request:,.0f} B")
    full = per_request * 20_000_000 + max(disk - database_bytes, 0)
    table.add_row("disk for 20M requests at this rate (+ WAL, other files)", f"about {full / 2**30:,.0f} GB")
    return table


async def latency_at_set_rates(target: Target, measured_rate: float, options: Options) -> Table:
    """The mix arriving at shares of the rate the closed loop reached: what residents and staff wait for
    when the platform is busy but not saturated (at saturation, every latency is mostly queueing)."""
    table = Table(
        "arriving",
        "answered",
        *(f"{group} p50 / p99 ms" for group in TARGET_P99_MS),
        "errors",
        "p99 targets",
        title="Requests arriving at a set rate (an open loop: latency counted from each arrival)",
    )
    for share in options.loads:
        rate = measured_rate * share
        tallies = await run_at_rate(target, rate=rate, seconds=options.load_seconds)
        cells, met = [], True
        for group, target_ms in TARGET_P99_MS.items():
            latencies = [
                ms for name, tally in tallies.items() if name.split(":")[0].lower() == group for ms in tally.latencies
            ]
            if not latencies:
                cells.append("-")
                continue
            p99 = _percentile(latencies, 0.99)
            met = met and p99 < target_ms
            cells.append(f"{_percentile(latencies, 0.5):.1f} / {p99:.1f}")
        answered = sum(len(tally.latencies) for tally in tallies.values())
        errors = sum(tally.failed + tally.unexpected for tally in tallies.values())
        table.add_row(
            f"{rate:,.0f}/s ({share:.0%})",
            f"{answered / options.load_seconds:,.0f}/s",
            *cells,
            str(errors),
            _verdict(met),
        )
    table.caption = f"each for {options.load_seconds:.0f} s, after the mix above; targets as above"
    return table


async def _shared_buffers_changed(direct: str, size: str) -> bool:
    """Give the server `size` of shared buffers from its next start; True when that differs from now."""
    engine = create_async_engine(direct, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            now, wanted = (
                await connection.execute(
                    text(
                        "SELECT setting::bigint * pg_size_bytes(unit), pg_size_bytes(:size) "
                        "FROM pg_settings WHERE name = 'shared_buffers'"
                    ),
                    {"size": size},
                )
            ).one()
            if now == wanted:
                return False
            await connection.execute(text(f"ALTER SYSTEM SET shared_buffers = '{int(wanted) // 1024}kB'"))
            return True
    finally:
        await engine.dispose()


async def run(options: Options, console: Console) -> None:
    options.data_dir.mkdir(parents=True, exist_ok=True)
    postgres = EmbeddedPostgres(options.data_dir, database=DATABASE)
    with running_fleet([postgres]) as server:
        direct = server.environment["CIVICSHARE_DATABASE_DIRECT_URL"]
        if await _shared_buffers_changed(direct, options.shared_buffers):
            assert postgres.server is not None
            postgres.server.restart_now()
            console.print(f"the server restarted with shared_buffers = {options.shared_buffers}")
        database = Database(make_engine(direct, pool_size=max(4, options.load_at_once + 1)), direct)
        try:
            rows = await _already_loaded(direct, options) if options.reuse else None
            if rows is None:
                await database.dispose()
                await _fresh_database(direct)
                database = Database(make_engine(direct, pool_size=max(4, options.load_at_once + 1)), direct)
                prepared = await prepare(database, options, console)
            else:
                console.print(f"reusing {options.councils} councils and about {rows:,} requests")
                prepared = Prepared(None, None, rows)
            if removed := await remove_earlier_newcomers(database.engine):
                console.print(f"removed {removed} councils earlier runs onboarded under load")
            prepared.migrate_seconds, prepared.migrated = await time_migrating_every_council(database, console)
            await measure_and_print(database, direct, server.environment, options, prepared, console)
        finally:
            await database.dispose()


async def measure_and_print(
    database: Database,
    direct: str,
    environment: dict[str, str],
    options: Options,
    prepared: Prepared,
    console: Console,
) -> None:
    settings = Settings(mode=Mode.DEVELOPMENT, database_url=direct, data_dir=options.data_dir, log_level="WARNING")
    councils = await _councils_to_drive(database.engine)
    await _officers(settings, councils)
    async with database.engine.begin() as connection:
        key = (
            await create_key(
                connection, name="national bench", scope=OperatorScope.FULL, expires_at=None, created_by="bench"
            )
        ).key
    # A fleet's job worker keeps spare council schemas ready (`spare_council_schemas`); none runs here.
    if await top_up_spare_schemas(database.engine, 1):
        console.print("made a spare council schema, as the fleet's worker would have")
    node_environment = {
        "CIVICSHARE_MODE": "development",
        "CIVICSHARE_DATA_DIR": str(options.data_dir),
        "CIVICSHARE_LOG_LEVEL": "WARNING",
        "CIVICSHARE_DB_POOL_SIZE": str(options.pool_size),
    }
    log_dir = options.data_dir / "logs"
    nodes = [AppNode(f"node-{n}", free_port(), log_dir, environment=node_environment) for n in (1, 2)]
    bouncer = PgBouncer(server_connections=options.server_connections)
    parts: list[Part] = [bouncer, Together("nodes", list(nodes))]
    console.print("starting PgBouncer and two app nodes...")
    with running_fleet(parts, environment) as fleet:
        for name, where in fleet.rows():
            console.print(f"  {name}: {where}")
        urls = [node.url for node in nodes]
        async with aiohttp.ClientSession() as session:
            cookies = {
                (url, council.slug): await _sign_in(session, url, council.slug)
                for url in urls
                for council in councils[:STAFF_COUNCILS]
            }
        target = Target(urls, councils, cookies)
        if options.warm_up:
            console.print(f"cold start: the mix for {options.warm_up:.0f} s, every PostgreSQL backend new...")
            tallies, elapsed = await run_load(target, clients=options.clients, seconds=options.warm_up)
            title = "Cold start: the first seconds after PgBouncer started (not the measure)"
            console.print(load_table(tallies, elapsed, options, None, title))
        watched = Watched(
            node_pids=[node.process.pid for node in nodes if node.process is not None],
            postgres_pid=int((options.data_dir / "postgres" / "postmaster.pid").read_text().split()[0]),
            pgbouncer_pid=bouncer.process.pid if bouncer.process is not None else 0,
        )
        if options.cpu_per_kind:
            console.print(await cpu_per_kind(target, watched, options.cpu_per_kind))
        onboardings = [Onboarding(), Onboarding()]
        reference_ms = await reference_times()
        console.print(f"mixed load: {options.clients} clients for {options.seconds:.0f} s...")
        filled: dict[str, Tally] = {}
        windows: list[Window] = []

        async def meanwhile() -> None:
            await asyncio.gather(
                _onboard_more(urls, key, options.seconds, database.engine, onboardings),
                record_windows(filled, watched, seconds=options.seconds, every=options.window_seconds, into=windows),
            )

        before = snapshot(watched)
        tallies, elapsed = await run_load(
            target, clients=options.clients, seconds=options.seconds, meanwhile=meanwhile, tallies=filled
        )
        spent = snapshot(watched) - before
        console.print(load_table(tallies, elapsed, options, onboardings, spent=spent))
        console.print(windows_table(windows, reference_ms))
        measured_rate = sum(len(tally.latencies) for tally in tallies.values()) / elapsed
        if options.loads:
            console.print(await latency_at_set_rates(target, measured_rate, options))
        fresh = create_async_engine(direct, poolclass=NullPool)  # a backend that has read nothing yet
        try:
            memory = await measure_memory(fresh)
        finally:
            await fresh.dispose()
    catalogue = await catalogue_size(database.engine)
    disk = _disk_bytes(options.data_dir / "postgres")
    console.print(platform_table(options, prepared, memory, catalogue, disk))


def main(arguments: list[str]) -> None:
    options = parse(arguments)
    if shutil.which("pgbouncer") is None and not Path("/usr/sbin/pgbouncer").exists():
        raise SystemExit("the national benchmark needs PgBouncer (Debian: apt-get install pgbouncer)")
    console = Console(width=max(shutil.get_terminal_size().columns, 150))
    asyncio.run(run(options, console))
