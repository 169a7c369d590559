"""spare schemas: council schemas made ahead of need, so onboarding renames one (civicshare.db.migrations.spares)

Revision ID: 0011_spare_schemas
Revises: 0010_service_responsibilities
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_spare_schemas"
down_revision: str | None = "0010_service_responsibilities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spare_schemas",
        sa.Column("schema_name", sa.String(length=63), nullable=False),
        sa.Column("script_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("schema_name", name=op.f("pk_spare_schemas")),
        schema="platform",
    )


def downgrade() -> None:
    # The spares themselves go with their records: nothing else knows them.
    op.execute(
        "DO $$ DECLARE spare text; BEGIN "
        "FOR spare IN SELECT schema_name FROM platform.spare_schemas LOOP "
        "EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', spare); END LOOP; END $$"
    )
    op.drop_table("spare_schemas", schema="platform")
