"""monthly contacts: a cache of closed months' contact counts per service and channel, for fast reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "monthly_contact_rollups",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "service", "channel", name=op.f("pk_monthly_contact_rollups")),
        schema=schema,
    )
    op.create_table(
        "monthly_contact_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cached_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_monthly_contact_months")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("monthly_contact_months", schema=schema)
    op.drop_table("monthly_contact_rollups", schema=schema)
