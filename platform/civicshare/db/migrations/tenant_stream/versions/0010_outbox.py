"""outbox: the council's events and their deliveries to each subscriber

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema
from civicshare.notifications.tables import notify_trigger_sql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_events_waiting",
        "outbox_events",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("fanned_out_at IS NULL"),
    )
    op.create_table(
        "event_deliveries",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("subscriber", sa.String(length=63), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'retrying', 'delivered', 'dead')", name=op.f("ck_event_deliveries_state")
        ),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_event_deliveries")),
        schema=schema,
    )
    op.create_index(
        "ix_event_deliveries_due",
        "event_deliveries",
        ["next_attempt_at"],
        schema=schema,
        postgresql_where=sa.text("state IN ('pending', 'retrying')"),
    )
    op.create_index(
        "ix_event_deliveries_failed",
        "event_deliveries",
        ["updated_at"],
        schema=schema,
        postgresql_where=sa.text("state IN ('retrying', 'dead')"),
    )
    for statement in notify_trigger_sql(schema):
        op.execute(statement)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("event_deliveries", schema=schema)
    op.drop_table("outbox_events", schema=schema)
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".notify_outbox()')
