"""browser sessions keep the identity provider's refresh token and renew before the access token expires

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("client_id", sa.String(length=255), nullable=True), schema="platform")
    op.add_column("sessions", sa.Column("refresh_token", sa.Text(), nullable=True), schema="platform")
    op.add_column("sessions", sa.Column("renew_at", sa.DateTime(timezone=True), nullable=True), schema="platform")
    op.add_column("sessions", sa.Column("provider_session", sa.String(length=255), nullable=True), schema="platform")
    op.create_index("ix_sessions_provider_session", "sessions", ["provider_session"], schema="platform")


def downgrade() -> None:
    op.drop_index("ix_sessions_provider_session", table_name="sessions", schema="platform")
    op.drop_column("sessions", "provider_session", schema="platform")
    op.drop_column("sessions", "renew_at", schema="platform")
    op.drop_column("sessions", "refresh_token", schema="platform")
    op.drop_column("sessions", "client_id", schema="platform")
