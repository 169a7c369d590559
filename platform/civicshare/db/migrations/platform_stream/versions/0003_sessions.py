"""browser sessions

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("principal", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        schema="platform",
    )
    op.create_index(op.f("ix_sessions_subject"), "sessions", ["subject"], unique=False, schema="platform")
    op.create_index(op.f("ix_sessions_expires_at"), "sessions", ["expires_at"], unique=False, schema="platform")


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_expires_at"), table_name="sessions", schema="platform")
    op.drop_index(op.f("ix_sessions_subject"), table_name="sessions", schema="platform")
    op.drop_table("sessions", schema="platform")
