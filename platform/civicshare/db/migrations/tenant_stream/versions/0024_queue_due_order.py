"""every request in the queue's order: the staff queue's "all" and "closed" pages without sorting them all

Revision ID: 0024_queue_due_order
Revises: 0023_savings_inputs
"""

from collections.abc import Sequence

from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0024_queue_due_order"
down_revision: str | None = "0023_savings_inputs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_transactions_due", "transactions", ["due_on", "created_at", "id"], schema=tenant_schema())


def downgrade() -> None:
    op.drop_index("ix_transactions_due", table_name="transactions", schema=tenant_schema())
