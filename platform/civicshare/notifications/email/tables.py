"""Tenant tables of email to residents. Declared against the placeholder schema; routed per council."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

MESSAGE_STATUSES = ("sending", "retrying", "sent", "held", "failed")

# A council's own wording for one kind of message; a kind without a row uses the platform's default.
email_templates = Table(
    "email_templates",
    tenant_metadata,
    Column("kind", String(40), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=True),  # NULL: the HTML is made from the plain text
    Column("updated_by", String(255), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The council's email settings: one row at most (`singleton` is always true).
email_settings = Table(
    "email_settings",
    tenant_metadata,
    Column("singleton", Boolean, primary_key=True, server_default=text("true")),
    Column("reply_to", String(254), nullable=True),
    # Where platform messages for the council's administrators go (an endpoint disabled...).
    Column("admin_addresses", JSONB, nullable=False, server_default="[]"),
    # GOV.UK Notify: the council's template id for each kind of message, and its reply-to address id.
    Column("notify_template_ids", JSONB, nullable=False, server_default="{}"),
    Column("notify_reply_to_id", String(64), nullable=True),
    # Text messages (GOV.UK Notify only): the council's SMS template id for each kind of message (none: no
    # texts of that kind), and the staff numbers it may text while in trial mode.
    Column("sms_template_ids", JSONB, nullable=False, server_default="{}"),
    Column("trial_phone_numbers", JSONB, nullable=False, server_default="[]"),
    Column("updated_by", String(255), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("singleton", name="singleton"),
)

# Every message the council sent or chose not to send, one per event: checked before sending, so an
# event handled twice is emailed once.
email_messages = Table(
    "email_messages",
    tenant_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", String(120), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("reference", String(32), nullable=True),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("why", Text, nullable=True),
    # What a held-back message would have said (trial mode), so the council sees what residents will get.
    Column("held_text", Text, nullable=True),
    Column("provider", String(16), nullable=True),
    Column("provider_message_id", String(255), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('sending', 'retrying', 'sent', 'held', 'failed')", name="status"),
    Index("ix_email_messages_reference", "reference", "id"),
    Index("ix_email_messages_created_at", "created_at", "id"),
)
