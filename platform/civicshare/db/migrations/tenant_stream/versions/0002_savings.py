"""savings: daily rollups, offline contact counts, unit cost overrides, baseline mixes

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = "channel IN ('web', 'app', 'phone', 'face_to_face', 'email', 'webchat')"


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "daily_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "service", "channel", "is_test", name=op.f("pk_daily_rollups")),
        sa.CheckConstraint(CHANNELS, name=op.f("ck_daily_rollups_channel")),
        sa.CheckConstraint('"count" >= 0', name=op.f("ck_daily_rollups_count")),
        schema=schema,
    )
    op.create_table(
        "offline_contact_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("day", "service", "channel", name=op.f("pk_offline_contact_counts")),
        sa.CheckConstraint(CHANNELS, name=op.f("ck_offline_contact_counts_channel")),
        sa.CheckConstraint('"count" >= 0', name=op.f("ck_offline_contact_counts_count")),
        schema=schema,
    )
    op.create_table(
        "offline_imports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("accepted_rows", sa.BigInteger(), nullable=False),
        sa.Column("rejected_rows", sa.BigInteger(), nullable=False),
        sa.Column("changed_rows", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_imports")),
        schema=schema,
    )
    op.create_table(
        "unit_cost_overrides",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_cost_overrides")),
        sa.UniqueConstraint(
            "channel",
            "service",
            "effective_from",
            name=op.f("uq_unit_cost_overrides_channel_service_effective_from"),
            postgresql_nulls_not_distinct=True,
        ),
        sa.CheckConstraint(CHANNELS, name=op.f("ck_unit_cost_overrides_channel")),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_unit_cost_overrides_unit_cost")),
        schema=schema,
    )
    op.create_table(
        "baseline_mixes",
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("share", sa.Numeric(precision=12, scale=9), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("measured_from", sa.Date(), nullable=True),
        sa.Column("measured_before", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("service", "channel", name=op.f("pk_baseline_mixes")),
        sa.CheckConstraint(CHANNELS, name=op.f("ck_baseline_mixes_channel")),
        sa.CheckConstraint("share >= 0 AND share <= 1", name=op.f("ck_baseline_mixes_share")),
        sa.CheckConstraint("source IN ('set', 'derived')", name=op.f("ck_baseline_mixes_source")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("baseline_mixes", schema=schema)
    op.drop_table("unit_cost_overrides", schema=schema)
    op.drop_table("offline_imports", schema=schema)
    op.drop_table("offline_contact_counts", schema=schema)
    op.drop_table("daily_rollups", schema=schema)
