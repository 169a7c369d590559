"""council exports as jobs: the operator's request, polled until its archive is ready or it failed

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_export_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("council", sa.String(length=63), nullable=False),
        sa.Column("state", sa.String(length=8), server_default="queued", nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_by_name", sa.Text(), nullable=False),
        sa.Column("requested_via", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("export_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_council_export_jobs_state")
        ),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["platform.council_exports.id"],
            name=op.f("fk_council_export_jobs_export_id_council_exports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_export_jobs")),
        schema="platform",
    )
    op.create_index(
        "ix_council_export_jobs_council_id", "council_export_jobs", ["council", "id"], unique=False, schema="platform"
    )


def downgrade() -> None:
    op.drop_index("ix_council_export_jobs_council_id", table_name="council_export_jobs", schema="platform")
    op.drop_table("council_export_jobs", schema="platform")
