"""Council schemas made ahead of need: onboarding takes one and renames it, instead of creating some 220
tables, indexes and sequences while the platform is busy.

Creating a council's schema costs PostgreSQL about 80 ms of CPU alone; on a loaded machine that DDL waits
for the CPU with every request and took 250-400 ms, most of a council's onboarding. The job worker keeps
`spare_council_schemas` spares ready (`top_up_spare_schemas`, at its start, each housekeeping sweep and after
each spare taken). Each spare is recorded with the digest of the script that made it, so only a spare this
code would have made itself is taken: after an upgrade (a new migration, a module installed) the old ones
are dropped and new ones made, and onboarding creates the schema as before until they are ready.

A spare is taken in the onboarding's own transaction (`FOR UPDATE SKIP LOCKED`: two onboardings never take
the same one): renamed, its functions written again for its new name, its row deleted. A rolled-back
onboarding leaves it ready.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.job_queue import EXPORTS_QUEUE, deferral_script
from civicshare.db.migrations.runner import (
    renamed_schema_statements,
    run_script,
    tenant_schema_script,
    tenant_script_digest,
)
from civicshare.db.migrations.state import spare_schemas
from civicshare.db.sql_text import identifier, literal

SPARE_PREFIX = "civicshare_spare_"  # never a council's: theirs start with `tenant_`
TOP_UP_TASK = "civicshare.spare_schemas.top_up"
_TOP_UP_LOCK = "civicshare-spare-schemas"

# Counted without locking: a row lock here, held each housekeeping sweep, would hide the ready spares from
# an onboarding at that moment (`SKIP LOCKED`), which would then make its schema statement by statement.
_EVERY = text(
    "SELECT s.schema_name, s.script_digest, EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = s.schema_name) "
    "FROM platform.spare_schemas s ORDER BY s.created_at, s.schema_name"
)
# Only the spares to drop are locked, and one being taken right now is skipped: neither dropped nor forgotten.
_DROPPABLE = text(
    "SELECT s.schema_name FROM platform.spare_schemas s WHERE s.schema_name = ANY(:names) FOR UPDATE OF s SKIP LOCKED"
)
_READY = text(
    "SELECT s.schema_name FROM platform.spare_schemas s "
    "WHERE s.script_digest = :digest AND EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = s.schema_name) "
    "ORDER BY s.created_at, s.schema_name LIMIT 1 FOR UPDATE OF s SKIP LOCKED"
)


async def take_spare_schema(connection: AsyncConnection, schema: str) -> bool:
    """Make a ready spare `schema`, in the caller's transaction; False when none is ready. A top-up is
    asked for, to run once the transaction commits."""
    spare = await connection.scalar(_READY, {"digest": tenant_script_digest()})
    if spare is None:
        return False
    # One round trip: an onboarding under load waits for each answer behind every other request.
    await run_script(
        connection,
        f"ALTER SCHEMA {identifier(spare)} RENAME TO {identifier(schema)};\n"
        + renamed_schema_statements(schema)
        + f"DELETE FROM platform.spare_schemas WHERE schema_name = {literal(spare)};\n"
        + deferral_script(queue=EXPORTS_QUEUE, task=TOP_UP_TASK),
    )
    return True


async def top_up_spare_schemas(engine: AsyncEngine, wanted: int) -> int:
    """Drop the spares this code would not take (made by other code, or too many) and forget those whose
    schema is gone; then make spares until `wanted` are ready, one transaction each. Returns how many it
    made. Workers doing it at once take turns (an advisory lock), and each transaction counts again.

    A spare being taken as it counts is counted as ready: the onboarding taking it asks for a top-up once
    it commits, which makes its replacement."""
    digest = tenant_script_digest()
    made = 0
    while True:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:lock))"), {"lock": _TOP_UP_LOCK})
            ready: list[str] = []
            unwanted: list[str] = []
            for name, made_by, present in await connection.execute(_EVERY):
                (ready if present and made_by == digest and len(ready) < wanted else unwanted).append(name)
            if unwanted:
                unwanted = list((await connection.execute(_DROPPABLE, {"names": unwanted})).scalars())
            if unwanted:
                dropped = "".join(f"DROP SCHEMA IF EXISTS {identifier(name)} CASCADE;\n" for name in unwanted)
                await run_script(connection, dropped)
                await connection.execute(delete(spare_schemas).where(spare_schemas.c.schema_name.in_(unwanted)))
            if len(ready) >= wanted:
                return made
            name = SPARE_PREFIX + secrets.token_hex(6)
            await run_script(connection, tenant_schema_script(name))
            await connection.execute(insert(spare_schemas).values(schema_name=name, script_digest=digest))
            made += 1


async def spare_schema_names(connection: AsyncConnection) -> list[str]:
    """The spares recorded, ready or not, oldest first."""
    rows = await connection.execute(select(spare_schemas.c.schema_name).order_by(spare_schemas.c.created_at))
    return [str(name) for name in rows.scalars()]
