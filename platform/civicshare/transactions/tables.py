"""Tenant tables for transactions. Declared against the placeholder schema; routed per council."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

CHANNELS = ("web", "app", "phone", "face_to_face", "email", "webchat")
_channel_list = ", ".join(f"'{channel}'" for channel in CHANNELS)

transactions = Table(
    "transactions",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("module", String(63), nullable=False),
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(40), nullable=False),
    Column("answers", JSONB, nullable=False, server_default="{}"),
    Column("derived", JSONB, nullable=False, server_default="{}"),
    Column("submitter_kind", String(16), nullable=False),
    Column("contact_email", String(254), nullable=True),
    Column("resident_subject", String(255), nullable=True),
    Column("staff_subject", String(255), nullable=True),
    Column("latitude", Numeric(9, 6), nullable=True),
    Column("longitude", Numeric(9, 6), nullable=True),
    Column("address", Text, nullable=True),
    Column("usrn", String(12), nullable=True),
    Column("fee_pence", Integer, nullable=True),
    Column("payment_status", String(16), nullable=True),
    Column("payment_id", String(64), nullable=True),
    Column("payment_next_url", Text, nullable=True),
    Column("is_test", Boolean, nullable=False, server_default="false"),
    Column("idempotency_key", String(255), nullable=True, unique=True),
    Column("request_fingerprint", String(64), nullable=True),
    Column("due_on", Date, nullable=True),
    Column("decided_by", String(255), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint("submitter_kind IN ('anonymous', 'resident', 'staff')", name="submitter_kind"),
    Index("ix_transactions_resident_subject", "resident_subject"),
    Index("ix_transactions_created_at", "created_at"),
)

transaction_events = Table(
    "transaction_events",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String(40), nullable=True),
    Column("to_status", String(40), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_transaction_events_transaction_id", "transaction_id"),
)

reference_sequences = Table(
    "reference_sequences",
    tenant_metadata,
    Column("year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

attachments = Table(
    "attachments",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_attachments_transaction_id", "transaction_id"),
)
