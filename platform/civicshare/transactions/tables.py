"""Tenant tables for transactions. Declared against the placeholder schema; routed per council."""

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

CHANNELS = ("web", "app", "phone", "face_to_face", "email", "webchat", "letter")
_channel_list = ", ".join(f"'{channel}'" for channel in CHANNELS)
UK_TIME_NAME = "Europe/London"  # the day a transaction is counted on is its day in the UK

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
    Column("contact_phone", String(32), nullable=True),  # a mobile number for text messages, if given
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
    # Whether the resident reads the decision's reason (tracking, Open311, email): staff choose; not by default.
    Column("decision_public", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # When the request reached a closing status of its workflow; NULL while it is open (the staff queue).
    Column("closed_at", DateTime(timezone=True), nullable=True),
    # The officer working on it (their identity's subject, and their name as colleagues read it).
    Column("assignee_subject", String(255), nullable=True),
    Column("assignee_name", String(255), nullable=True),
    Column("assigned_team_id", BigInteger, nullable=True),  # one of the council's teams (casework.tables)
    # Closed as a duplicate of this request (same council), which the resident is pointed to.
    Column("duplicate_of", String(32), nullable=True),
    # Since when the service level clock has stood still (a status its workflow pauses in); NULL otherwise.
    Column("sla_paused_at", DateTime(timezone=True), nullable=True),
    # A connected system's own reference for the request (a CRM case id), and the system that gave it.
    Column("external_reference", String(100), nullable=True),
    Column("external_system", String(80), nullable=True),
    # When its personal data was erased (civicshare.privacy); the anonymised record stays.
    Column("personal_data_erased_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint("submitter_kind IN ('anonymous', 'resident', 'staff')", name="submitter_kind"),
    Index("ix_transactions_resident_subject", "resident_subject"),
    Index("ix_transactions_created_at", "created_at"),
    # The staff queue: open requests soonest due first (carrying what the queue filters and the staff
    # home counts by, so those are read from the index alone), and what officers search by.
    Index(
        "ix_transactions_open_due",
        "due_on",
        "created_at",
        "id",
        postgresql_where=text("closed_at IS NULL"),
        postgresql_include=["service", "status", "assignee_subject", "assigned_team_id", "sla_paused_at"],
    ),
    # Every request, open or closed, in the queue's order: the queue's "all" and "closed" pages.
    Index("ix_transactions_due", "due_on", "created_at", "id"),
    Index("ix_transactions_open_assignee", "assignee_subject", postgresql_where=text("closed_at IS NULL")),
    Index("ix_transactions_open_team", "assigned_team_id", postgresql_where=text("closed_at IS NULL")),
    Index("ix_transactions_usrn", "usrn"),
    # The retention job's work: closed requests whose personal data is still held, oldest closed first.
    Index(
        "ix_transactions_personal_data_held",
        "closed_at",
        postgresql_where=text("closed_at IS NOT NULL AND personal_data_erased_at IS NULL"),
        postgresql_include=["service"],
    ),
    # Connected systems read what changed since a time, page by page in (updated_at, id) order.
    Index("ix_transactions_updated", "updated_at", "id"),
    Index("ix_transactions_place", "latitude", "longitude", postgresql_where=text("latitude IS NOT NULL")),
    Index("ix_transactions_contact_email", text("lower(contact_email)")),
    Index(
        "ix_transactions_address_words",
        text("to_tsvector('simple'::regconfig, coalesce(address, ''))"),
        postgresql_using="gin",
    ),
    # The same words of open requests only: the queue searches open requests by default, and a street
    # with thousands of requests over the years has a few dozen open.
    Index(
        "ix_transactions_open_address_words",
        text("to_tsvector('simple'::regconfig, coalesce(address, ''))"),
        postgresql_using="gin",
        postgresql_where=text("closed_at IS NULL"),
    ),
)


def address_words(address: ColumnElement[str]) -> ColumnElement[Any]:
    """The words of an address or postcode as the staff queue's search matches them ('simple': no stemming,
    so "KT1 1EU" is the words kt1 and 1eu): the expression of `ix_transactions_address_words`, literals
    only, so that PostgreSQL sees a query's expression as the index's."""
    return func.to_tsvector(literal_column("'simple'::regconfig"), func.coalesce(address, literal_column("''")))


transaction_events = Table(
    "transaction_events",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String(40), nullable=True),
    Column("to_status", String(40), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=True),
    # Whether the resident reads the note when tracking: staff choose; the platform's own notes are public.
    Column("note_public", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_transaction_events_transaction_id", "transaction_id"),
)

reference_sequences = Table(
    "reference_sequences",
    tenant_metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
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

transaction_notes = Table(
    "transaction_notes",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("author_subject", String(255), nullable=False),
    Column("author_name", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_transaction_notes_transaction_id", "transaction_id"),
)

# What the council tells the resident about their request (text they read when tracking it), as opposed
# to internal notes. Written by `civicshare.transactions.updates.add_public_update`.
public_updates = Table(
    "public_updates",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_public_updates_transaction_id", "transaction_id"),
)

# Residents who follow someone else's open report instead of sending the same one again
# (`transactions.followers`): they are emailed its public updates and status changes, as its reporter is.
request_followers = Table(
    "request_followers",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("resident_subject", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ux_request_followers_email", "transaction_id", text("lower(email)"), unique=True),
)

# Transactions counted per day (UK local time), service and channel, kept up to date in the same statement
# as each submission (``service.create_statement``); savings reports read these, never the raw rows. Test
# and trial transactions are counted in rows of their own (``is_test``) so reports can leave them out and
# a rebuild from raw transactions can still agree row for row.
daily_rollups = Table(
    "daily_rollups",
    tenant_metadata,
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("is_test", Boolean, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "service", "channel", "is_test"),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint('"count" >= 0', name="count"),
)
