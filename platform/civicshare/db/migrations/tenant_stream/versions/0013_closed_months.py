"""closed months: savings months signed off, and every closing and reopening

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "closed_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("closed_by", sa.String(length=255), nullable=False),
        sa.Column("closed_for", sa.String(length=63), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("extract(day from month) = 1", name=op.f("ck_closed_months_first_day")),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_closed_months")),
        schema=schema,
    )
    op.create_table(
        "closed_month_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("action IN ('closed', 'reopened')", name=op.f("ck_closed_month_history_action")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_month_history")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("closed_month_history", schema=schema)
    op.drop_table("closed_months", schema=schema)
