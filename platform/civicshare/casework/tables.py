"""Tenant tables of casework. Declared against the placeholder schema; routed per council."""

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, String, Table, Text, func
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
