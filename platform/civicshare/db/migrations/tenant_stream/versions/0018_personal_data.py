"""personal data: when a request's personal data was erased, the record of every erasure, subject access requests

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column(
        "transactions", sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True), schema=schema
    )
    op.create_index(
        "ix_transactions_personal_data_held",
        "transactions",
        ["closed_at"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("closed_at IS NOT NULL AND personal_data_erased_at IS NULL"),
        postgresql_include=["service"],
    )
    op.create_table(
        "personal_data_erasures",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("erased", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("kept", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("reason IN ('retention', 'request')", name=op.f("ck_personal_data_erasures_reason")),
        sa.CheckConstraint("outcome IN ('erased', 'detached')", name=op.f("ck_personal_data_erasures_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_erasures")),
        schema=schema,
    )
    op.create_index(
        "ix_personal_data_erasures_transaction_id",
        "personal_data_erasures",
        ["transaction_id"],
        unique=False,
        schema=schema,
    )
    op.create_index("ix_personal_data_erasures_at", "personal_data_erasures", ["at"], unique=False, schema=schema)
    op.create_table(
        "subject_access_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("person_email", sa.String(length=254), nullable=True),
        sa.Column("person_subject", sa.String(length=255), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_by_name", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), server_default="queued", nullable=False),
        sa.Column("requests_found", sa.Integer(), nullable=True),
        sa.Column("requests_written", sa.Integer(), server_default="0", nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_subject_access_requests_state")
        ),
        sa.CheckConstraint(
            "person_email IS NOT NULL OR person_subject IS NOT NULL", name=op.f("ck_subject_access_requests_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_requests")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("subject_access_requests", schema=schema)
    op.drop_index("ix_personal_data_erasures_at", table_name="personal_data_erasures", schema=schema)
    op.drop_index("ix_personal_data_erasures_transaction_id", table_name="personal_data_erasures", schema=schema)
    op.drop_table("personal_data_erasures", schema=schema)
    op.drop_index("ix_transactions_personal_data_held", table_name="transactions", schema=schema)
    op.drop_column("transactions", "personal_data_erased_at", schema=schema)
