"""council tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:36:21.005342
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "reference_sequences",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reference_sequences")),
        schema=schema,
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("module", sa.String(length=63), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("derived", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("submitter_kind", sa.String(length=16), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("resident_subject", sa.String(length=255), nullable=True),
        sa.Column("staff_subject", sa.String(length=255), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("usrn", sa.String(length=12), nullable=True),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("payment_status", sa.String(length=16), nullable=True),
        sa.Column("payment_id", sa.String(length=64), nullable=True),
        sa.Column("is_test", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "channel IN ('web', 'app', 'phone', 'face_to_face', 'email', 'webchat')",
            name=op.f("ck_transactions_channel"),
        ),
        sa.CheckConstraint(
            "submitter_kind IN ('anonymous', 'resident', 'staff')",
            name=op.f("ck_transactions_submitter_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_transactions_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_transactions_reference")),
        schema=schema,
    )
    op.create_index("ix_transactions_created_at", "transactions", ["created_at"], unique=False, schema=schema)
    op.create_index(
        "ix_transactions_resident_subject", "transactions", ["resident_subject"], unique=False, schema=schema
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            [f"{schema}.transactions.id"],
            name=op.f("fk_attachments_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        schema=schema,
    )
    op.create_index("ix_attachments_transaction_id", "attachments", ["transaction_id"], unique=False, schema=schema)
    op.create_table(
        "transaction_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            [f"{schema}.transactions.id"],
            name=op.f("fk_transaction_events_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_events")),
        schema=schema,
    )
    op.create_index(
        "ix_transaction_events_transaction_id",
        "transaction_events",
        ["transaction_id"],
        unique=False,
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_transaction_events_transaction_id", table_name="transaction_events", schema=schema)
    op.drop_table("transaction_events", schema=schema)
    op.drop_index("ix_attachments_transaction_id", table_name="attachments", schema=schema)
    op.drop_table("attachments", schema=schema)
    op.drop_index("ix_transactions_resident_subject", table_name="transactions", schema=schema)
    op.drop_index("ix_transactions_created_at", table_name="transactions", schema=schema)
    op.drop_table("transactions", schema=schema)
    op.drop_table("reference_sequences", schema=schema)
