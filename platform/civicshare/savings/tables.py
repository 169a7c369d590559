"""Tenant tables for savings, in each council's own schema (declared against the placeholder schema).

- ``daily_rollups`` (declared in ``civicshare.transactions.tables``, which writes it with each submission):
  what reports read of the platform's transactions.
- ``offline_contact_counts``: calls, visits, emails, chats and letters that never became transactions,
  as daily counts per ``source``: ``import`` rows come from CSV files, keyed by (day, service, channel),
  and a re-import REPLACES the count; ``contact_log`` rows are the back office's contact log, where each
  logged contact ADDS to the day's count. Reports add the two sources together, and neither overwrites
  the other; an imported staffed count is the day's total, requests keyed in by staff on that
  channel included (``service.reconciled_count``).
- ``logged_contacts``: each entry of the contact log (who logged it, why the person got in touch, the
  request they chased), kept so avoidable contact can be reported by reason.
- ``unit_cost_overrides``: the council's own effective-dated unit costs, set through the staff API, on
  top of the platform defaults and the council's definition file.
- ``baseline_mixes``: each service's channel mix before the platform (or at a chosen date), with the
  contacts it was measured from when known (``contacts`` over ``window_days``), for the cashable saving.
- ``monthly_contact_rollups`` and ``monthly_contact_months``: a cache of closed months' contacts (platform
  transactions, not test data, plus offline counts) per month, service and channel, with the first day
  that had contacts; ``monthly_contact_months`` lists the months cached (a month with no contacts has no
  rows). Filled when a report first needs a closed month, emptied for a month whenever its daily counts
  or offline counts change (offline imports, rollup rebuilds, counts for past days). See
  ``service.contact_rollups``.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from civicshare.db.metadata import tenant_metadata
from civicshare.transactions.tables import CHANNELS

_channel_list = ", ".join(f"'{channel}'" for channel in CHANNELS)
# Where an offline count came from (offline_contact_counts.source).
IMPORTED = "import"
CONTACT_LOG = "contact_log"
# Why someone got in touch without making a request (the contact log); chasing, repeat and wrong
# council are avoidable contact (NI14, see ``avoidable_contact``).
CONTACT_REASONS = ("chasing", "repeat", "wrong_council", "information", "complaint")
_reason_list = ", ".join(f"'{reason}'" for reason in CONTACT_REASONS)

offline_contact_counts = Table(
    "offline_contact_counts",
    tenant_metadata,
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("source", String(16), nullable=False, server_default=IMPORTED),
    PrimaryKeyConstraint("day", "service", "channel", "source"),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint('"count" >= 0', name="count"),
    CheckConstraint(f"source IN ('{IMPORTED}', '{CONTACT_LOG}')", name="source"),
)

logged_contacts = Table(
    "logged_contacts",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("reference", String(32), nullable=True),
    Column("count", Integer, nullable=False),
    Column("officer_subject", String(255), nullable=False),
    Column("officer_name", String(255), nullable=False),
    Column("logged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint(f"reason IN ({_reason_list})", name="reason"),
    CheckConstraint('"count" > 0', name="count"),
    Index("ix_logged_contacts_day", "day", "id"),
)

offline_imports = Table(
    "offline_imports",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("source", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("accepted_rows", BigInteger, nullable=False),
    Column("rejected_rows", BigInteger, nullable=False),
    Column("changed_rows", BigInteger, nullable=False),
    Column("imported_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

unit_cost_overrides = Table(
    "unit_cost_overrides",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("service", String(63), nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("unit_cost", Numeric(8, 2), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("channel", "service", "effective_from", postgresql_nulls_not_distinct=True),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint("unit_cost >= 0", name="unit_cost"),
)

baseline_mixes = Table(
    "baseline_mixes",
    tenant_metadata,
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("share", Numeric(12, 9), nullable=False),
    Column("source", String(16), nullable=False),
    Column("measured_from", Date, nullable=True),
    Column("measured_before", Date, nullable=True),
    # The contacts on this channel the mix was measured from, over window_days days (both or neither).
    Column("contacts", BigInteger, nullable=True),
    Column("window_days", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("service", "channel"),
    CheckConstraint(f"channel IN ({_channel_list})", name="channel"),
    CheckConstraint("share >= 0 AND share <= 1", name="share"),
    CheckConstraint("source IN ('set', 'derived')", name="source"),
    CheckConstraint("(contacts IS NULL AND window_days IS NULL) OR (contacts >= 0 AND window_days > 0)", name="volume"),
)

monthly_contact_rollups = Table(
    "monthly_contact_rollups",
    tenant_metadata,
    Column("month", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("month", "service", "channel"),
)

monthly_contact_months = Table(
    "monthly_contact_months",
    tenant_metadata,
    Column("month", Date, nullable=False),
    Column("cached_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("month"),
)

# A month closed for sign-off: its figures change only after an operator reopens it (``savings.periods``).
closed_months = Table(
    "closed_months",
    tenant_metadata,
    Column("month", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_by", String(255), nullable=False),
    Column("closed_for", String(63), nullable=True),  # the council whose admin closed it, when not this one
    Column("note", Text, nullable=True),
    PrimaryKeyConstraint("month"),
    CheckConstraint("extract(day from month) = 1", name="first_day"),
)

# Every closing and reopening, kept for the council's own record (nothing updates or deletes a row).
closed_month_history = Table(
    "closed_month_history",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("month", Date, nullable=False),
    Column("action", String(16), nullable=False),
    Column("by", String(255), nullable=False),
    Column("reason", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("action IN ('closed', 'reopened')", name="action"),
)

# --- the four service measures (``savings.measures``) ----------------------------------------------

# Journeys started on the website and requests sent from it, per day and service: counts only, nothing
# about who (no cookie, address or session is stored; ``savings.journeys`` says how starts are counted).
journey_counts = Table(
    "journey_counts",
    tenant_metadata,
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("started", BigInteger, nullable=False, server_default="0"),
    Column("sent", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("day", "service"),
    CheckConstraint("started >= 0 AND sent >= 0", name="counts"),
)

# Answers to the optional feedback question on the confirmation page, counted per day, service and rating
# (1 very dissatisfied .. 5 very satisfied): what the satisfaction measure reads, however many answers.
feedback_ratings = Table(
    "feedback_ratings",
    tenant_metadata,
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "service", "rating"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    CheckConstraint('"count" > 0', name="count"),
)

# The answers that came with words: the day (not the time, which could match a request), the service,
# the rating and what the resident chose to write, shown only to the council's staff (``savings.feedback``).
FEEDBACK_COMMENT_LENGTH = 1200
service_feedback = Table(
    "service_feedback",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("day", Date, nullable=False),
    Column("service", String(63), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    CheckConstraint(f"char_length(comment) <= {FEEDBACK_COMMENT_LENGTH}", name="comment"),
    Index("ix_service_feedback_day", "day", "id"),
)

# Open data the council chose to publish at a public address (a row per data set while published).
open_data_publications = Table(
    "open_data_publications",
    tenant_metadata,
    Column("dataset", String(63), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_by", String(255), nullable=False),
    PrimaryKeyConstraint("dataset"),
)

# One row: a number every change to a council's savings inputs adds one to, in the change's own database
# transaction (``savings.inputs_version``), so any app node can tell whether a report it remembers is still
# right. A council without the row has changed nothing since its schema was made (version 0).
savings_inputs = Table(
    "savings_inputs",
    tenant_metadata,
    Column("id", Integer, nullable=False, server_default="1"),
    Column("version", BigInteger, nullable=False),
    PrimaryKeyConstraint("id"),
    CheckConstraint("id = 1", name="one_row"),
)
