"""assisted digital: the letter channel, offline counts by source, the contact log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 06:00:00

Letters join the channels every channel-checked table accepts. Offline counts get a `source`: rows
already stored were imported (`import`, the column's default); the back office's contact log adds to
counts of its own (`contact_log`), so the key becomes (day, service, channel, source).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL_CHECKED = ("transactions", "daily_rollups", "offline_contact_counts", "unit_cost_overrides", "baseline_mixes")
WITH_LETTERS = "channel IN ('web', 'app', 'phone', 'face_to_face', 'email', 'webchat', 'letter')"
WITHOUT_LETTERS = "channel IN ('web', 'app', 'phone', 'face_to_face', 'email', 'webchat')"


def _channels(schema: str, check: str) -> None:
    for table in CHANNEL_CHECKED:
        op.drop_constraint(op.f(f"ck_{table}_channel"), table, type_="check", schema=schema)
        op.create_check_constraint(op.f(f"ck_{table}_channel"), table, check, schema=schema)


def upgrade() -> None:
    schema = tenant_schema()
    _channels(schema, WITH_LETTERS)
    op.add_column(
        "offline_contact_counts",
        sa.Column("source", sa.String(length=16), server_default="import", nullable=False),
        schema=schema,
    )
    op.create_check_constraint(
        op.f("ck_offline_contact_counts_source"),
        "offline_contact_counts",
        "source IN ('import', 'contact_log')",
        schema=schema,
    )
    op.drop_constraint(op.f("pk_offline_contact_counts"), "offline_contact_counts", type_="primary", schema=schema)
    op.create_primary_key(
        op.f("pk_offline_contact_counts"),
        "offline_contact_counts",
        ["day", "service", "channel", "source"],
        schema=schema,
    )
    op.create_table(
        "logged_contacts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("officer_subject", sa.String(length=255), nullable=False),
        sa.Column("officer_name", sa.String(length=255), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(WITH_LETTERS, name=op.f("ck_logged_contacts_channel")),
        sa.CheckConstraint(
            "reason IN ('chasing', 'wrong_council', 'information', 'complaint')", name=op.f("ck_logged_contacts_reason")
        ),
        sa.CheckConstraint('"count" > 0', name=op.f("ck_logged_contacts_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logged_contacts")),
        schema=schema,
    )
    op.create_index("ix_logged_contacts_day", "logged_contacts", ["day", "id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("logged_contacts", schema=schema)
    counts = sa.table("offline_contact_counts", sa.column("source"), schema=schema)
    op.execute(counts.delete().where(counts.c.source != "import"))
    op.drop_constraint(op.f("pk_offline_contact_counts"), "offline_contact_counts", type_="primary", schema=schema)
    op.create_primary_key(
        op.f("pk_offline_contact_counts"), "offline_contact_counts", ["day", "service", "channel"], schema=schema
    )
    op.drop_constraint(op.f("ck_offline_contact_counts_source"), "offline_contact_counts", type_="check", schema=schema)
    op.drop_column("offline_contact_counts", "source", schema=schema)
    # Refused while any letter is stored: downgrading never deletes a council's requests.
    _channels(schema, WITHOUT_LETTERS)
