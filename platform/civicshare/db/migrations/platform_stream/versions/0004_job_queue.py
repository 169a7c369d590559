"""job queue: procrastinate's schema, and the function that wakes workers when a council writes events

Revision ID: 0004
Revises: 0003

Procrastinate's tables and functions are installed from the schema file of the installed version into
their own schema, `procrastinate` (the job workers connect with that schema on their search path).
Upgrading procrastinate means a migration applying its own migration files in the same way.
"""

from collections.abc import Sequence
from importlib.resources import files

from alembic import op
from sqlalchemy.util import await_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Wakes the job workers when a council's outbox goes from nothing waiting to something waiting. A
# NOTIFY on every submission serialised the commits of all councils (PostgreSQL queues notifications
# under one lock at commit) and halved submit throughput; while events wait, a dispatcher is on its way
# (it re-checks shortly after it finishes, and the sweep catches anything a race left behind).
NOTIFY_OUTBOX = """
CREATE FUNCTION platform.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_waiting bigint;
BEGIN
    EXECUTE format('SELECT min(id) FROM %I.outbox_events WHERE fanned_out_at IS NULL', TG_TABLE_SCHEMA)
        INTO first_waiting;
    IF first_waiting IS NULL OR first_waiting >= (SELECT min(id) FROM inserted) THEN
        PERFORM pg_notify('civicshare_outbox', TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END;
$$
"""


def upgrade() -> None:
    op.execute(NOTIFY_OUTBOX)
    op.execute("CREATE SCHEMA procrastinate")
    op.execute("SET LOCAL search_path TO procrastinate")
    schema_sql = files("procrastinate").joinpath("sql/schema.sql").read_text()
    # Many statements in one: sent as a simple query straight on the driver's connection.
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    await_only(driver.execute(schema_sql))
    op.execute("SET LOCAL search_path TO public")


def downgrade() -> None:
    op.execute("DROP SCHEMA procrastinate CASCADE")
    op.execute("DROP FUNCTION platform.notify_outbox()")
