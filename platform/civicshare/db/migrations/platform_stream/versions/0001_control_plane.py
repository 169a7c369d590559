"""control plane

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:36:20.892847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_groups",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_groups")),
        sa.UniqueConstraint("slug", name=op.f("uq_service_groups_slug")),
        schema="platform",
    )
    op.create_table(
        "group_modules",
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("module_code", sa.String(length=63), nullable=False),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["platform.service_groups.id"],
            name=op.f("fk_group_modules_group_id_service_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "module_code", name=op.f("pk_group_modules")),
        schema="platform",
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("gss_code", sa.String(length=9), nullable=False),
        sa.Column("reference_prefix", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("mode", sa.String(length=8), server_default="trial", nullable=False),
        sa.Column("schema_name", sa.String(length=63), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("branding", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("mode IN ('trial', 'live')", name=op.f("ck_tenants_mode")),
        sa.CheckConstraint("status IN ('active', 'suspended', 'offboarding')", name=op.f("ck_tenants_status")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["platform.service_groups.id"],
            name=op.f("fk_tenants_group_id_service_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("gss_code", name=op.f("uq_tenants_gss_code")),
        sa.UniqueConstraint("reference_prefix", name=op.f("uq_tenants_reference_prefix")),
        sa.UniqueConstraint("schema_name", name=op.f("uq_tenants_schema_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
        schema="platform",
    )
    op.create_table(
        "tenant_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_domains_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_tenant_domains")),
        schema="platform",
    )
    op.create_index("ix_tenant_domains_tenant_id", "tenant_domains", ["tenant_id"], unique=False, schema="platform")
    op.create_table(
        "tenant_modules",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("module_code", sa.String(length=63), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_modules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "module_code", name=op.f("pk_tenant_modules")),
        schema="platform",
    )
    op.create_table(
        "tenant_schema_state",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('current', 'failed', 'migrating')", name=op.f("ck_tenant_schema_state_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_schema_state_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_schema_state")),
        schema="platform",
    )


def downgrade() -> None:
    op.drop_table("tenant_schema_state", schema="platform")
    op.drop_table("tenant_modules", schema="platform")
    op.drop_index("ix_tenant_domains_tenant_id", table_name="tenant_domains", schema="platform")
    op.drop_table("tenant_domains", schema="platform")
    op.drop_table("tenants", schema="platform")
    op.drop_table("group_modules", schema="platform")
    op.drop_table("service_groups", schema="platform")
