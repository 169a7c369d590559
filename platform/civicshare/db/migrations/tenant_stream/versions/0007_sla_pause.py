"""sla pause: the clock stops while a request waits on the resident

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:00:00

`sla_paused_at` is set when a request enters a status its workflow pauses the clock in (e.g. waiting
for the resident's reply) and cleared when it leaves, when `due_on` moves on by the working days it
waited. The open-requests index carries it so the queue's overdue counts stay index-only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["due_on", "created_at", "id"]
CARRIED = ["service", "status", "assignee_subject", "assigned_team_id"]


def _open_due_index(schema: str, carried: list[str]) -> None:
    op.drop_index("ix_transactions_open_due", table_name="transactions", schema=schema)
    op.create_index(
        "ix_transactions_open_due",
        "transactions",
        KEY,
        schema=schema,
        postgresql_where=sa.text("closed_at IS NULL"),
        postgresql_include=carried,
    )


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("transactions", sa.Column("sla_paused_at", sa.DateTime(timezone=True), nullable=True), schema=schema)
    _open_due_index(schema, [*CARRIED, "sla_paused_at"])


def downgrade() -> None:
    schema = tenant_schema()
    _open_due_index(schema, CARRIED)
    op.drop_column("transactions", "sla_paused_at", schema=schema)
