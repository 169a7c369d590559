"""admin API: operator API keys, audit log, council exports, offboarding, logos

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "operator_api_keys",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'full')", name=op.f("ck_operator_api_keys_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_operator_api_keys_key_id")),
        schema="platform",
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("council", sa.String(length=63), nullable=True),
        sa.Column("service_group", sa.String(length=63), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        schema="platform",
    )
    op.create_index("ix_audit_events_council_id", "audit_events", ["council", "id"], schema="platform")
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor", "id"], schema="platform")
    op.create_index("ix_audit_events_action_id", "audit_events", ["action", "id"], schema="platform")
    op.create_index("ix_audit_events_at", "audit_events", ["at"], schema="platform")
    # The audit log is append-only for everyone, not only for the API.
    op.execute(
        """
        CREATE FUNCTION platform.audit_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the operator audit log is append-only';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON platform.audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_events_are_append_only()"
    )
    op.create_table(
        "council_exports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("council", sa.String(length=63), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("schema_revision", sa.String(length=64), nullable=False),
        sa.Column("row_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_council_exports_tenant_id_tenants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_exports")),
        schema="platform",
    )
    op.create_index("ix_council_exports_council_id", "council_exports", ["council", "id"], schema="platform")
    op.create_table(
        "tenant_offboarding",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("purge_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_offboarding_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_offboarding")),
        schema="platform",
    )
    op.create_table(
        "tenant_logos",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_logos_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_logos")),
        schema="platform",
    )


def downgrade() -> None:
    op.drop_table("tenant_logos", schema="platform")
    op.drop_table("tenant_offboarding", schema="platform")
    op.drop_index("ix_council_exports_council_id", table_name="council_exports", schema="platform")
    op.drop_table("council_exports", schema="platform")
    op.execute("DROP TRIGGER audit_events_append_only ON platform.audit_events")
    op.execute("DROP FUNCTION platform.audit_events_are_append_only()")
    for index in ("ix_audit_events_at", "ix_audit_events_action_id", "ix_audit_events_actor_id"):
        op.drop_index(index, table_name="audit_events", schema="platform")
    op.drop_index("ix_audit_events_council_id", table_name="audit_events", schema="platform")
    op.drop_table("audit_events", schema="platform")
    op.drop_table("operator_api_keys", schema="platform")
