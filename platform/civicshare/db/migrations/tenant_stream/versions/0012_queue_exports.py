"""large queue exports: an officer's filtered queue written to a CSV file by the job worker

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "queue_exports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("officer_subject", sa.String(length=255), nullable=False),
        sa.Column("officer_name", sa.String(length=255), nullable=False),
        sa.Column("filter", sa.Text(), nullable=False),
        sa.Column("allowed", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("teams", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("state", sa.String(length=8), server_default="queued", nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_exports")),
        schema=schema,
    )
    op.create_index(
        "ix_queue_exports_officer_subject_id", "queue_exports", ["officer_subject", "id"], unique=False, schema=schema
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_queue_exports_officer_subject_id", table_name="queue_exports", schema=schema)
    op.drop_table("queue_exports", schema=schema)
