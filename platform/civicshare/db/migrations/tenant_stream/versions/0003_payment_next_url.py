"""payment next url: where to send a resident back to finish paying (a retried submission returns it)

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("transactions", sa.Column("payment_next_url", sa.Text(), nullable=True), schema=tenant_schema())


def downgrade() -> None:
    op.drop_column("transactions", "payment_next_url", schema=tenant_schema())
