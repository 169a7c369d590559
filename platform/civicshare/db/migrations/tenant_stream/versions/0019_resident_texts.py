"""Text messages to residents: the phone number a resident gave, and each council's SMS settings (its
GOV.UK Notify SMS template ids, and the staff numbers a council in trial mode may text)

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("transactions", sa.Column("contact_phone", sa.String(32), nullable=True), schema=schema)
    op.add_column(
        "email_settings",
        sa.Column("sms_template_ids", postgresql.JSONB(), server_default="{}", nullable=False),
        schema=schema,
    )
    op.add_column(
        "email_settings",
        sa.Column("trial_phone_numbers", postgresql.JSONB(), server_default="[]", nullable=False),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_column("email_settings", "trial_phone_numbers", schema=schema)
    op.drop_column("email_settings", "sms_template_ids", schema=schema)
    op.drop_column("transactions", "contact_phone", schema=schema)
