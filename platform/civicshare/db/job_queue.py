"""Deferring a job inside the caller's own transaction.

procrastinate defers through its own connection pool, so a job deferred that way can exist while the
row it is about was rolled back (or be missing when the process dies after the commit). Inserting the
job row on the caller's connection makes the request and its job commit, or vanish, together; the
queue's triggers wake the workers once it commits.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.sql_text import literal

JOB_SCHEMA = "procrastinate"
# Long work (exports) runs on a queue of its own, so it never holds up the outbox's deliveries.
EXPORTS_QUEUE = "exports"

# The queue's triggers name its tables unqualified: they need its schema on the path, for this transaction
# only (set_config's `true`), behind whatever the connection routes to.
_QUEUE_ON_THE_PATH = (
    f"SELECT set_config('search_path', current_setting('search_path') || ', ' || {literal(JOB_SCHEMA)}, true)"
)
_INSERT = text(
    "INSERT INTO procrastinate.procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args) "
    "VALUES (:queue, :task, :lock, :queueing_lock, CAST(:args AS jsonb)) RETURNING id"
)


async def defer_in_transaction(
    connection: AsyncConnection,
    *,
    queue: str,
    task: str,
    args: dict[str, Any],
    lock: str | None = None,
    queueing_lock: str | None = None,
) -> int:
    """Add a job to the queue as part of the connection's transaction; returns its id."""
    await connection.execute(text(_QUEUE_ON_THE_PATH))
    job_id = await connection.scalar(
        _INSERT,
        {"queue": queue, "task": task, "lock": lock, "queueing_lock": queueing_lock, "args": json.dumps(args)},
    )
    return int(job_id)


def deferral_script(*, queue: str, task: str) -> str:
    """`defer_in_transaction`'s statements as text (no arguments, no locks), for a caller that sends several
    statements in one round trip."""
    return (
        f"{_QUEUE_ON_THE_PATH};\n"
        f"INSERT INTO {JOB_SCHEMA}.procrastinate_jobs (queue_name, task_name, args) "
        f"VALUES ({literal(queue)}, {literal(task)}, '{{}}'::jsonb);\n"
    )
