"""request followers: residents who follow an open report near their pin instead of sending a duplicate

Revision ID: 0022_request_followers
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0022_request_followers"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "request_followers",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("resident_subject", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            [f"{schema}.transactions.id"],
            name=op.f("fk_request_followers_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_followers")),
        schema=schema,
    )
    op.create_index(
        "ux_request_followers_email",
        "request_followers",
        ["transaction_id", sa.text("lower(email)")],
        unique=True,
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("request_followers", schema=schema)
