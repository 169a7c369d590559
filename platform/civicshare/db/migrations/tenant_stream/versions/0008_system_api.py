"""system api: council systems' keys and idempotent writes, external references, public updates

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 12:00:00

Keys of a council's systems (a CRM, a contractor's system) live in its own schema; their writes are
remembered by Idempotency-Key. A request gets the system's own reference for it, and the council's
public updates the resident reads. Systems page through what changed by (updated_at, id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("transactions", sa.Column("external_reference", sa.String(100), nullable=True), schema=schema)
    op.add_column("transactions", sa.Column("external_system", sa.String(80), nullable=True), schema=schema)
    op.create_index("ix_transactions_updated", "transactions", ["updated_at", "id"], schema=schema)
    op.create_table(
        "public_updates",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            [f"{schema}.transactions.id"],
            name=op.f("fk_public_updates_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_updates")),
        schema=schema,
    )
    op.create_index("ix_public_updates_transaction_id", "public_updates", ["transaction_id"], schema=schema)
    op.create_table(
        "system_keys",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("services", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(255), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f("ck_system_keys_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_system_keys_key_id")),
        schema=schema,
    )
    op.create_table(
        "system_idempotency",
        sa.Column("system_key_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_key_id"],
            [f"{schema}.system_keys.id"],
            name=op.f("fk_system_idempotency_system_key_id_system_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("system_key_id", "idempotency_key", name=op.f("pk_system_idempotency")),
        schema=schema,
    )
    op.create_index("ix_system_idempotency_created_at", "system_idempotency", ["created_at"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("system_idempotency", schema=schema)
    op.drop_table("system_keys", schema=schema)
    op.drop_table("public_updates", schema=schema)
    op.drop_index("ix_transactions_updated", "transactions", schema=schema)
    op.drop_column("transactions", "external_system", schema=schema)
    op.drop_column("transactions", "external_reference", schema=schema)
