"""resident email: council templates, email settings, and a record of every message per event

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "email_templates",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_email_templates")),
        schema=schema,
    )
    op.create_table(
        "email_settings",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=True),
        sa.Column("admin_addresses", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("notify_template_ids", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("notify_reply_to_id", sa.String(length=64), nullable=True),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("singleton", name=op.f("ck_email_settings_singleton")),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_email_settings")),
        schema=schema,
    )
    op.create_table(
        "email_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("held_text", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('sending', 'retrying', 'sent', 'held', 'failed')", name=op.f("ck_email_messages_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
        sa.UniqueConstraint("event_id", name=op.f("uq_email_messages_event_id")),
        schema=schema,
    )
    op.create_index("ix_email_messages_reference", "email_messages", ["reference", "id"], schema=schema)
    op.create_index("ix_email_messages_created_at", "email_messages", ["created_at", "id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("email_messages", schema=schema)
    op.drop_table("email_settings", schema=schema)
    op.drop_table("email_templates", schema=schema)
