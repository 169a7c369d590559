"""back office: when requests close, who works them, notes, staff actions, response templates, queue indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 05:00:00

`closed_at` is filled for requests already in a closing status of their service's workflow, as the
service modules installed now define them (a request of a module no longer installed stays open: an
officer has to look at it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civicshare.db.migrations.runner import tenant_schema
from civicshare.modules import ModuleRegistry, installed_core_version

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _closing_pairs() -> list[tuple[str, str]]:
    registry = ModuleRegistry.discover(core_version=installed_core_version())
    return [
        (service.code, status)
        for module in registry
        for service in module.services
        for status in sorted(service.workflow.closing)
    ]


def upgrade() -> None:
    schema = tenant_schema()
    for name, kind in (
        ("closed_at", sa.DateTime(timezone=True)),
        ("assignee_subject", sa.String(255)),
        ("assignee_name", sa.String(255)),
        ("assigned_team_id", sa.BigInteger()),
        ("duplicate_of", sa.String(32)),
    ):
        op.add_column("transactions", sa.Column(name, kind, nullable=True), schema=schema)
    pairs = _closing_pairs()
    if pairs:
        closing = sa.table(
            "transactions",
            sa.column("service"),
            sa.column("status"),
            sa.column("closed_at"),
            sa.column("updated_at"),
            schema=schema,
        )
        op.execute(
            closing.update()
            .where(sa.tuple_(closing.c.service, closing.c.status).in_(pairs))
            .values(closed_at=closing.c.updated_at)
        )
    op.create_index(
        "ix_transactions_open_due",
        "transactions",
        ["due_on", "created_at", "id"],
        schema=schema,
        postgresql_where=sa.text("closed_at IS NULL"),
        postgresql_include=["service", "status", "assignee_subject", "assigned_team_id"],
    )
    op.create_index(
        "ix_transactions_open_assignee",
        "transactions",
        ["assignee_subject"],
        schema=schema,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_index(
        "ix_transactions_open_team",
        "transactions",
        ["assigned_team_id"],
        schema=schema,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_index("ix_transactions_usrn", "transactions", ["usrn"], schema=schema)
    op.create_index(
        "ix_transactions_place",
        "transactions",
        ["latitude", "longitude"],
        schema=schema,
        postgresql_where=sa.text("latitude IS NOT NULL"),
    )
    op.create_index("ix_transactions_contact_email", "transactions", [sa.text("lower(contact_email)")], schema=schema)
    op.create_index(
        "ix_transactions_address_words",
        "transactions",
        [sa.text("to_tsvector('simple'::regconfig, coalesce(address, ''))")],
        schema=schema,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_transactions_open_address_words",
        "transactions",
        [sa.text("to_tsvector('simple'::regconfig, coalesce(address, ''))")],
        schema=schema,
        postgresql_using="gin",
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "transaction_notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("author_subject", sa.String(length=255), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            [f"{schema}.transactions.id"],
            name=op.f("fk_transaction_notes_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_notes")),
        schema=schema,
    )
    op.create_index("ix_transaction_notes_transaction_id", "transaction_notes", ["transaction_id"], schema=schema)
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("actor_subject", sa.String(length=255), nullable=False),
        sa.Column("actor_name", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_actions")),
        schema=schema,
    )
    op.create_index("ix_staff_actions_reference", "staff_actions", ["reference", "id"], schema=schema)
    op.create_index("ix_staff_actions_actor", "staff_actions", ["actor_subject", "id"], schema=schema)
    op.create_table(
        "response_templates",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_templates")),
        schema=schema,
    )
    op.create_index("ix_response_templates_service", "response_templates", ["service"], schema=schema)
    op.create_table(
        "teams",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("services", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
        schema=schema,
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], [f"{schema}.teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "subject", name=op.f("pk_team_members")),
        schema=schema,
    )
    op.create_index("ix_team_members_subject", "team_members", ["subject"], schema=schema)
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_subject", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        schema=schema,
    )
    op.create_index("ix_saved_filters_owner_subject", "saved_filters", ["owner_subject"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("saved_filters", schema=schema)
    op.drop_table("team_members", schema=schema)
    op.drop_table("teams", schema=schema)
    op.drop_table("response_templates", schema=schema)
    op.drop_table("staff_actions", schema=schema)
    op.drop_table("transaction_notes", schema=schema)
    for index in (
        "ix_transactions_open_address_words",
        "ix_transactions_address_words",
        "ix_transactions_contact_email",
        "ix_transactions_usrn",
        "ix_transactions_place",
        "ix_transactions_open_assignee",
        "ix_transactions_open_team",
        "ix_transactions_open_due",
    ):
        op.drop_index(index, table_name="transactions", schema=schema)
    for name in ("duplicate_of", "assigned_team_id", "assignee_name", "assignee_subject", "closed_at"):
        op.drop_column("transactions", name, schema=schema)
