"""account erasures: an account deleted from the identity provider and erased at every council

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_erasures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_by_name", sa.Text(), nullable=False),
        sa.Column("identity_removed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("state", sa.String(length=8), server_default="queued", nullable=False),
        sa.Column("councils_total", sa.Integer(), nullable=True),
        sa.Column("councils_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outcome", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_account_erasures_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_erasures")),
        schema="platform",
    )
    op.create_index("ix_account_erasures_subject", "account_erasures", ["subject"], unique=False, schema="platform")


def downgrade() -> None:
    op.drop_index("ix_account_erasures_subject", table_name="account_erasures", schema="platform")
    op.drop_table("account_erasures", schema="platform")
