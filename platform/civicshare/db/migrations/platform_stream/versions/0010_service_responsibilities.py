"""front doors and service responsibilities: an area's shared site for councils of two tiers, and which
council does which service inside its own boundary behind it

Revision ID: 0010_service_responsibilities
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_service_responsibilities"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "front_doors",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domains", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_front_doors")),
        sa.UniqueConstraint("slug", name=op.f("uq_front_doors_slug")),
        schema="platform",
    )
    op.create_table(
        "service_responsibilities",
        sa.Column("front_door_id", sa.BigInteger(), nullable=False),
        sa.Column("service_code", sa.String(length=63), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["front_door_id"],
            ["platform.front_doors.id"],
            name=op.f("fk_service_responsibilities_front_door_id_front_doors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_service_responsibilities_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("front_door_id", "service_code", "tenant_id", name=op.f("pk_service_responsibilities")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_service_responsibilities_tenant_id"),
        "service_responsibilities",
        ["tenant_id"],
        unique=False,
        schema="platform",
    )
    # Front doors are resolved from the Host like councils: a change reaches every node's directory at once (0006).
    for table in ("front_doors", "service_responsibilities"):
        op.execute(
            f"CREATE TRIGGER {table}_notify_directory AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON platform.{table} FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_directory()"
        )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_service_responsibilities_tenant_id"), table_name="service_responsibilities", schema="platform"
    )
    op.drop_table("service_responsibilities", schema="platform")
    op.drop_table("front_doors", schema="platform")
