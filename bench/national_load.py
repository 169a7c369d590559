"""The national benchmark's data: councils onboarded the platform's own way, then a year of requests.

Each council is onboarded with `onboard_tenant` (its control-plane rows, its schema created from the
metadata at head), every installed module enabled. Its year of requests goes in with one set-based
INSERT ... SELECT over generate_series per council (as bench/staff_pages loads one council): a mix of the
installed services weighted as councils see them, statuses that follow each service's workflow (the
older a request, the likelier it is closed), channels mostly web with phone, email and counter, SLA
deadlines, addresses and emails shared by several requests. The values come from hashes of the row
number, so every run loads the same data. Then each council's daily savings rollups are counted from its
rows (as each submission does as it goes), its reference sequence set past the loaded rows, and the
tables analysed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.service_mix import STREET_KINDS, STREET_NAMES, STREETS, ServiceMix, service_mix
from civicshare.db.metadata import tenant_schema_name
from civicshare.tenancy.definitions import TenantDefinition
from civicshare.tenancy.service import onboard_tenant

DAYS = 365
CHANNELS = ("web",) * 7 + ("app", "phone", "phone", "email", "face_to_face", "webchat")
STUCK_SHARE = 0.01  # open at any age
RECENT_OPEN_SHARE = 0.9  # open when new, fading over RECENT_OPEN_DAYS
RECENT_OPEN_DAYS = 20
OFFICERS = 12
Progress = Callable[[int], None]


def council_definition(number: int, modules: list[str]) -> TenantDefinition:
    """Council `number` of the benchmark: a slug, a unique district GSS code and reference prefix."""
    letters = "".join(chr(ord("A") + (number + 26**3) // 26**place % 26) for place in range(5))
    return TenantDefinition.model_validate(
        {
            "slug": f"council-{number:03d}",
            "name": f"Borough Council {number:03d}",
            "gss_code": f"E07{number:06d}",
            "reference_prefix": letters,
            "modules": {module: {"enabled": True} for module in modules},
        }
    )


def installed_modules(mix: list[ServiceMix]) -> list[str]:
    return sorted({entry.module for entry in mix})


async def onboard_councils(
    engine: AsyncEngine, definitions: list[TenantDefinition], *, at_once: int, progress: Progress
) -> None:
    """Onboard every council, `at_once` at a time (each in its own transaction, as the admin API does)."""
    queue: asyncio.Queue[TenantDefinition] = asyncio.Queue()
    for definition in definitions:
        queue.put_nowait(definition)
    done = 0

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            definition = queue.get_nowait()
            async with engine.begin() as connection:
                await onboard_tenant(connection, definition)
            done += 1
            progress(done)

    await asyncio.gather(*(worker() for _ in range(at_once)))


def _uniform(seed: int) -> str:
    """A number in [0, 1) from the row number `i` and the council: the same on every run."""
    return f"((hashint8extended(i * 7919 + :council, {seed}) & 2147483647)::float8 / 2147483648.0)"


def _pick(array: str, seed: int) -> str:
    return f"({array})[1 + floor({_uniform(seed)} * cardinality({array}))::int]"


def load_statement(schema: str, prefix: str, rows: int, mix: list[ServiceMix]) -> str:
    """One INSERT ... SELECT of `rows` requests submitted over the last DAYS days, oldest first."""
    slots = [entry for entry in mix for _ in range(entry.weight)]
    values = ",\n".join(
        f"({number}, '{entry.module}', '{entry.service}', "
        f"ARRAY[{', '.join(repr(status) for status in entry.open_statuses)}]::text[], "
        f"ARRAY[{', '.join(repr(status) for status in entry.closing_statuses)}]::text[], "
        f"{entry.sla_days if entry.sla_days is not None else 'NULL'}::int)"
        for number, entry in enumerate(slots)
    )
    names = "(ARRAY[" + ", ".join(f"'{name}'" for name in STREET_NAMES) + "])"
    kinds = "(ARRAY[" + ", ".join(f"'{kind}'" for kind in STREET_KINDS) + "])"
    channels = "(ARRAY[" + ", ".join(f"'{channel}'" for channel in CHANNELS) + "])"
    officers = "ARRAY[" + ", ".join(f"'officer-{number}'" for number in range(OFFICERS)) + "]"
    return f"""
WITH services (slot, module, service, open_statuses, closing_statuses, sla_days) AS (VALUES {values})
INSERT INTO "{schema}".transactions (
    reference, module, service, channel, status, answers, submitter_kind, contact_email, address, usrn,
    latitude, longitude, due_on, created_at, updated_at, closed_at, assignee_subject, assignee_name)
SELECT
    '{prefix}-' || extract(year FROM created_at AT TIME ZONE 'Europe/London')::int || '-' || lpad(i::text, 7, '0'),
    module, service, channel,
    CASE WHEN is_open THEN {_pick("open_statuses", 11)} ELSE closing_statuses[1] END,
    jsonb_build_object('location_description', 'Outside ' || address, 'details', 'Request ' || i),
    CASE WHEN {_uniform(13)} < 0.3 THEN 'resident' ELSE 'anonymous' END,
    'resident' || floor({_uniform(15)} * {max(rows // 3, 10)})::int || '@example.org',
    address,
    CASE WHEN module = 'highways' THEN (20100000 + street)::text END,
    CASE WHEN module = 'highways' THEN round((51.38 + {_uniform(17)} * 0.06)::numeric, 6) END,
    CASE WHEN module = 'highways' THEN round((-0.32 + {_uniform(18)} * 0.06)::numeric, 6) END,
    CASE WHEN sla_days IS NOT NULL
         THEN (created_at AT TIME ZONE 'Europe/London')::date + ceil(sla_days * 7 / 5.0)::int END,
    created_at, coalesce(closed_at, created_at), closed_at,
    assignee, CASE WHEN assignee IS NOT NULL THEN 'Officer ' || array_position({officers}, assignee) END
FROM (
    SELECT *,
        CASE WHEN NOT is_open
             THEN least(now(), created_at + {_uniform(19)} * make_interval(days => coalesce(sla_days, 2) * 2))
        END AS closed_at,
        CASE WHEN {_uniform(20)} < (CASE WHEN is_open THEN 0.3 ELSE 0.6 END) THEN {_pick(officers, 21)} END AS assignee
    FROM (
        SELECT i, services.module, services.service, services.closing_statuses, services.open_statuses,
            services.sla_days, street, is_open, {channels}[1 + floor({_uniform(22)} * {len(CHANNELS)})::int] AS channel,
            now() - make_interval(secs => 86400 * age_days) AS created_at,
            (1 + floor({_uniform(24)} * 200)::int) || ' ' || {names}[1 + street % {len(STREET_NAMES)}] || ' '
                || {kinds}[1 + street / {len(STREET_NAMES)}] || ', KT' || (1 + street % 9) || ' '
                || (street / 9) % 10 || chr(65 + (street * 7) % 26) || chr(65 + (street * 3) % 26) AS address
        FROM (
            SELECT i, age_days, floor({_uniform(1)} * {len(slots)})::int AS slot,
                floor({_uniform(2)} * {STREETS})::int AS street,
                {_uniform(3)} < {STUCK_SHARE} + {RECENT_OPEN_SHARE} * exp(-age_days / {RECENT_OPEN_DAYS}) AS is_open
            FROM generate_series(1, {rows}) AS i,
                LATERAL (SELECT {DAYS} * ({rows} - i) / {rows}::float8 AS age_days) AS age
        ) AS numbered
        JOIN services USING (slot)
    ) AS drawn
) AS dated
"""


def rollup_statement(schema: str) -> str:
    """The council's daily savings rollups, counted from its rows (UK days, as submissions count them)."""
    day = "(created_at AT TIME ZONE 'Europe/London')::date"
    return (
        f'INSERT INTO "{schema}".daily_rollups (day, service, channel, is_test, count) '
        f'SELECT {day}, service, channel, is_test, count(*) FROM "{schema}".transactions '
        f"GROUP BY 1, 2, 3, 4 ON CONFLICT (day, service, channel, is_test) DO UPDATE SET count = EXCLUDED.count"
    )


@dataclass(frozen=True)
class Loaded:
    rows: int
    seconds: float


async def load_councils(
    engine: AsyncEngine,
    definitions: list[TenantDefinition],
    total_rows: int,
    mix: list[ServiceMix],
    *,
    at_once: int,
    progress: Progress,
) -> Loaded:
    """`total_rows` requests spread evenly over the councils, `at_once` councils loading at a time."""
    per_council = max(1, total_rows // len(definitions))
    queue: asyncio.Queue[tuple[int, TenantDefinition]] = asyncio.Queue()
    for number, definition in enumerate(definitions):
        queue.put_nowait((number, definition))
    done = 0
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            number, definition = queue.get_nowait()
            schema = tenant_schema_name(definition.slug)
            async with engine.begin() as connection:
                await connection.execute(text("SET LOCAL synchronous_commit = off"))
                await connection.execute(
                    text(load_statement(schema, definition.reference_prefix, per_council, mix)), {"council": number}
                )
                await connection.execute(text(rollup_statement(schema)))
                await connection.execute(
                    text(
                        f'INSERT INTO "{schema}".reference_sequences (year, last_number) '
                        f"SELECT y, {per_council} FROM generate_series(extract(year FROM now())::int - 1, "
                        f"extract(year FROM now())::int) AS y ON CONFLICT (year) DO UPDATE SET last_number = "
                        "EXCLUDED.last_number"
                    )
                )
            done += 1
            progress(done)

    await asyncio.gather(*(worker() for _ in range(at_once)))
    # Vacuumed only once every council is loaded: while another load's transaction is open, VACUUM cannot
    # mark pages all-visible, and index-only scans would go to the table as no council in service does.
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for definition in definitions:
            schema = tenant_schema_name(definition.slug)
            await autocommit.execute(text(f'VACUUM ANALYZE "{schema}".transactions, "{schema}".daily_rollups'))
    return Loaded(per_council * len(definitions), time.perf_counter() - started)


__all__ = ["council_definition", "installed_modules", "load_councils", "onboard_councils", "service_mix"]
