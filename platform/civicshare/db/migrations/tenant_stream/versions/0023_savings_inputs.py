"""savings inputs version: one number per council that every change to its savings inputs moves on

Revision ID: 0023_savings_inputs
Revises: 0022_request_followers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0023_savings_inputs"
down_revision: str | None = "0022_request_followers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "savings_inputs",
        sa.Column("id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_savings_inputs_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_inputs")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("savings_inputs", schema=schema)
