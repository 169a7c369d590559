"""request transfers: a request sent on to another council on the platform, or received from one

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "request_transfers",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("other_council", sa.String(63), nullable=False),
        sa.Column("other_council_name", sa.Text(), nullable=False),
        sa.Column("other_reference", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("officer_subject", sa.String(255), nullable=True),
        sa.Column("officer_name", sa.String(255), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("direction IN ('out', 'in')", name=op.f("ck_request_transfers_direction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_transfers")),
        schema=schema,
    )
    op.create_index(op.f("ix_request_transfers_transaction_id"), "request_transfers", ["transaction_id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("request_transfers", schema=schema)
