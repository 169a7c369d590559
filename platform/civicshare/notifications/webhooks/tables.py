"""Tenant tables of webhooks: a council's endpoints, what each is owed, and every attempt to send it.

Declared against the placeholder schema; routed per council like every tenant table.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

# A council system that wants to hear about the council's events. `event_types` is a JSON list of
# EventKind values, or NULL for every kind. The signing secret is kept encrypted (see secrets.py).
webhook_endpoints = Table(
    "webhook_endpoints",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("url", Text, nullable=False),
    Column("description", String(200), nullable=False, server_default=""),
    Column("event_types", JSONB(none_as_null=True), nullable=True),
    Column("secret_sealed", Text, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    Column("disabled_reason", Text, nullable=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # Since when deliveries have failed without one success between (NULL: the last one succeeded).
    Column("failing_since", DateTime(timezone=True), nullable=True),
    Column("failures_in_a_row", Integer, nullable=False, server_default="0"),
    Column("last_success_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One event owed to one endpoint: the body exactly as signed (so a redelivery sends the same bytes under
# the same webhook-id), and when it arrived. A row with `delivered_at` set is never sent again by the queue.
webhook_deliveries = Table(
    "webhook_deliveries",
    tenant_metadata,
    Column("endpoint_id", BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("endpoint_id", "event_id"),
)

# Every attempt to send an event to an endpoint, newest read first: the delivery log.
webhook_attempts = Table(
    "webhook_attempts",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("endpoint_id", BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status_code", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("response_excerpt", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("manual", Boolean, nullable=False, server_default="false"),
    Index("ix_webhook_attempts_endpoint_id", "endpoint_id", "id"),
)
