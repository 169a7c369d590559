"""Tenant tables of casework. Declared against the placeholder schema; routed per council."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

# What each officer did at this council, views of a resident's personal data included. Entries are only
# ever added: the council's administrators read them, nobody changes them.
staff_actions = Table(
    "staff_actions",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("actor_subject", String(255), nullable=False),
    Column("actor_name", String(255), nullable=False),
    Column("action", String(40), nullable=False),
    Column("reference", String(32), nullable=True),
    Column("detail", JSONB, nullable=False, server_default="{}"),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_staff_actions_reference", "reference", "id"),
    Index("ix_staff_actions_actor", "actor_subject", "id"),
)

# Words an officer picks when closing or updating a request, for one service or (service NULL) any; the
# resident reads them as the decision's reason when tracking.
response_templates = Table(
    "response_templates",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("service", String(63), nullable=True),
    Column("title", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_by", String(255), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_response_templates_service", "service"),
)

# Teams of a council's staff (Highways, Waste, a contractor...). A team limited to some services
# (`services`, a JSON list of service codes) sees only those; NULL means every service.
teams = Table(
    "teams",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("services", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

team_members = Table(
    "team_members",
    tenant_metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("email", String(254), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("team_id", "subject"),
    Index("ix_team_members_subject", "subject"),
)

# An officer's own named queue filters (the queue's query string), listed beside the queue.
saved_filters = Table(
    "saved_filters",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("owner_subject", String(255), nullable=False),
    Column("name", String(80), nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_saved_filters_owner_subject", "owner_subject"),
)

# An officer's filtered queue too large to stream, written to a CSV file by the job worker.
queue_exports = Table(
    "queue_exports",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("officer_subject", String(255), nullable=False),
    Column("officer_name", String(255), nullable=False),
    Column("filter", Text, nullable=False),
    # The officer's reach when they asked: the services their teams work on (null: all) and their teams.
    Column("allowed", JSONB, nullable=True),
    Column("teams", JSONB, nullable=False, server_default="[]"),
    Column("state", String(8), nullable=False, server_default="queued"),
    Column("rows", BigInteger, nullable=True),
    Column("file_name", Text, nullable=True),
    Column("size_bytes", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_queue_exports_officer_subject_id", "officer_subject", "id"),
)
