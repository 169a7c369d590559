"""council boundaries: each council's area as GeoJSON, for finding which council a place is in

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_boundaries",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("geojson", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_council_boundaries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_council_boundaries")),
        schema="platform",
    )
    # A boundary changed anywhere reaches every node at once, as other council changes do (0006).
    op.execute(
        "CREATE TRIGGER council_boundaries_notify_directory AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON platform.council_boundaries FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_directory()"
    )


def downgrade() -> None:
    op.drop_table("council_boundaries", schema="platform")
