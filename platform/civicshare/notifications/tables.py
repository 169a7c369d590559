"""Tenant tables of the outbox: the council's events, and each event's delivery to each subscriber.

An insert into `outbox_events` wakes the job workers: a statement trigger calls the council's own
`notify_outbox()`, which sends the council's schema on the channel `civicshare_outbox` when no earlier
event of the council was waiting (PostgreSQL delivers it at commit, and only if the transaction
commits). A NOTIFY on every submission serialised the commits of all councils (PostgreSQL queues
notifications under one lock at commit) and halved submit throughput; while events wait, a dispatcher
is on its way (it re-checks shortly after it finishes, and the sweep catches anything a race left).
"""

from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER, tenant_metadata

NOTIFY_CHANNEL = "civicshare_outbox"
DELIVERY_STATES = ("pending", "retrying", "delivered", "dead")

outbox_events = Table(
    "outbox_events",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("transaction_id", BigInteger, nullable=True),
    Column("reference", String(32), nullable=False),
    Column("service", String(63), nullable=False),
    Column("data", JSONB, nullable=False, server_default="{}"),
    Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # NULL until the dispatcher has written one delivery row per subscriber for it.
    Column("fanned_out_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_events_waiting", "id", postgresql_where=text("fanned_out_at IS NULL")),
)

event_deliveries = Table(
    "event_deliveries",
    tenant_metadata,
    Column("event_id", BigInteger, nullable=False),
    Column("subscriber", String(63), nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A worker delivering it holds it until then; after a crash it is taken up again once this passes.
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("event_id", "subscriber"),
    CheckConstraint("state IN ('pending', 'retrying', 'delivered', 'dead')", name="state"),
    Index("ix_event_deliveries_due", "next_attempt_at", postgresql_where=text("state IN ('pending', 'retrying')")),
    Index("ix_event_deliveries_failed", "updated_at", postgresql_where=text("state IN ('retrying', 'dead')")),
)


def notify_trigger_sql(schema: str) -> list[str]:
    """The trigger that wakes the workers when events are written to this council's outbox: a NOTIFY only
    when nothing of the council was waiting already (a NOTIFY on every commit serialises commits).

    The function is the council's own, its query static, so PostgreSQL plans it once per session rather
    than on every submission statement as a dynamic query would be."""
    return [
        f'CREATE FUNCTION "{schema}".notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        "BEGIN\n"
        f'    IF NOT EXISTS (SELECT 1 FROM "{schema}".outbox_events\n'
        "                   WHERE fanned_out_at IS NULL AND id < (SELECT min(id) FROM inserted)) THEN\n"
        "        PERFORM pg_notify('civicshare_outbox', TG_TABLE_SCHEMA);\n"
        "    END IF;\n"
        "    RETURN NULL;\n"
        "END;\n$$",
        f'CREATE TRIGGER outbox_events_notify AFTER INSERT ON "{schema}".outbox_events '
        f'REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".notify_outbox()',
    ]


@event.listens_for(outbox_events, "after_create")
def _create_notify_trigger(target: Table, connection: Connection, **_: Any) -> None:
    # A new council's schema is created from the metadata (not the migrations): the trigger comes with it.
    # Also on the mock engine that compiles the onboarding script (`db.migrations.runner`), which has no
    # execution options and takes DDL elements: there the schema is the placeholder.
    options = connection.get_execution_options() if hasattr(connection, "get_execution_options") else {}
    schema = (options.get("schema_translate_map") or {}).get(TENANT_SCHEMA_PLACEHOLDER, TENANT_SCHEMA_PLACEHOLDER)
    for statement in notify_trigger_sql(schema):
        if hasattr(connection, "exec_driver_sql"):
            connection.exec_driver_sql(statement)
        else:
            connection.execute(DDL(statement.replace("%", "%%")))  # type: ignore[no-untyped-call]
