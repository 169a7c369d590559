"""What a council's savings figures are worked out from, summed up in one small row any app node can read.

A report remembered by one node (``savings.remembered``) is right for as long as nothing it was worked out
from has changed, anywhere in the fleet. Two kinds of change are told apart:

- Residents' own activity only ever adds to today's counts: a submission adds one to its day's rollup
  (inside its INSERT), a journey started or a request sent adds to ``journey_counts``, a feedback answer to
  ``feedback_ratings``. These paths are the busiest in the platform, so they write nothing more: the key
  sums each of these counts over the last few days (``RECENT_DAYS``, wider than any clock skew or any
  transaction spanning midnight), and any addition changes a sum.
- Every other change (offline imports, the contact log, counts recorded or rebuilt, unit costs,
  baselines, closing and reopening months, demo data) calls ``savings_inputs_changed`` in its own database
  transaction, which adds one to the council's ``savings_inputs.version``. Unit costs written in the
  council's definition file live in the control plane: the key carries a digest of them instead.

The key is read in one statement, before anything the report reads, so a report is never remembered
under a key older than its figures' inputs. ``current_savings_inputs_key`` reads it as a transaction of
its own, on a connection borrowed for that statement alone: a remembered report found under it is
answered without a transaction (each statement of a report reads its own snapshot anyway, so reading
the key first, in its own transaction, is as safe as reading it first in the report's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from civicshare.db.metadata import PLATFORM_SCHEMA
from civicshare.db.outage import is_database_outage
from civicshare.savings.routing import checked_schema, routed_schema
from civicshare.savings.tables import savings_inputs
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import UK_TIME_NAME

RECENT_DAYS = 2

_BUMP = insert(savings_inputs).values(id=1, version=1)
BUMP = _BUMP.on_conflict_do_update(index_elements=[savings_inputs.c.id], set_={"version": savings_inputs.c.version + 1})


async def savings_inputs_changed(connection: AsyncConnection) -> None:
    """Say, in the caller's database transaction, that the council's savings inputs changed."""
    routed_schema(connection)  # refuses an unrouted connection
    await connection.execute(BUMP)


def _key_statement(schema: str) -> str:
    s = f'"{schema}"'
    return (
        "SELECT "
        f"(SELECT to_regclass('{s}.savings_inputs')::oid), "
        f"coalesce((SELECT version FROM {s}.savings_inputs WHERE id = 1), 0), "
        "recent.since, "
        f"(SELECT coalesce(sum(count), 0) FROM {s}.daily_rollups WHERE day >= recent.since), "
        f"(SELECT coalesce(sum(started), 0) + coalesce(sum(sent), 0) FROM {s}.journey_counts "
        "WHERE day >= recent.since), "
        f"(SELECT coalesce(sum(count), 0) FROM {s}.feedback_ratings WHERE day >= recent.since), "
        "(SELECT md5(coalesce(definition->>'unit_costs', '') || '|' "
        "|| coalesce(definition->>'unit_cost_overrides', '')) "
        f"FROM {PLATFORM_SCHEMA}.tenants WHERE id = $1) "
        f"FROM (SELECT CAST(now() AT TIME ZONE '{UK_TIME_NAME}' AS date) - {RECENT_DAYS} AS since) AS recent"
    )


_statements: dict[str, str] = {}


def _statement_for(schema: str) -> str:
    statement = _statements.get(schema)
    if statement is None:
        statement = _statements[schema] = _key_statement(schema)
    return statement


def residents_activity(inputs: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A key split in two: what only staff, imports and definitions change (the table, the version, the
    recent days' start, the unit-cost digest), and the sums residents' own activity adds to."""
    table, version, since, rollups, journeys, feedback, definition_costs = inputs
    return (table, version, since, definition_costs), (rollups, journeys, feedback)


async def savings_inputs_key(connection: AsyncConnection, tenant: TenantContext) -> tuple[Any, ...]:
    """Everything a council's savings figures depend on that can change, as one value (one statement).

    The table's own identifier tells apart a schema dropped and made again under the same name.
    """
    statement = _statement_for(routed_schema(connection))
    row = (await connection.exec_driver_sql(statement, (tenant.id,))).one()
    return tuple(row)


async def current_savings_inputs_key(engine: AsyncEngine, tenant: TenantContext) -> tuple[Any, ...]:
    """``savings_inputs_key`` as a statement and transaction of its own (the driver's autocommit), on a
    connection of `engine`'s pool borrowed for it alone: one round trip, no BEGIN and COMMIT."""
    statement = _statement_for(checked_schema(tenant.schema))
    pooled = await engine.raw_connection()
    try:
        row = await pooled.driver_connection.fetchrow(statement, tenant.id)  # type: ignore[union-attr]
    except Exception as error:
        if is_database_outage(error):  # a broken connection is not handed to the next request
            await greenlet_spawn(pooled.invalidate, error)
        raise
    finally:
        await greenlet_spawn(pooled.close)
    return tuple(row)
