"""Tables of the privacy domain: per council (placeholder schema) what was erased and subject access
requests; on the platform, account erasures asked for across councils."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import platform_metadata, tenant_metadata

# One row per request whose personal data was erased or detached: the audit of every erasure. Not a
# foreign key to the request: the record says what happened even if the request is later purged.
personal_data_erasures = Table(
    "personal_data_erasures",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, nullable=False),
    Column("reference", String(32), nullable=False),
    Column("service", String(63), nullable=False),
    Column("reason", String(16), nullable=False),  # retention: the council's period ran out; request: asked for
    Column("outcome", String(16), nullable=False),  # erased, or detached (an open request kept until it closes)
    Column("requested_by", Text, nullable=False),
    Column("erased", JSONB, nullable=False, server_default="[]"),  # what was removed
    Column("kept", JSONB, nullable=False, server_default="{}"),  # what was kept: why
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("reason IN ('retention', 'request')", name="reason"),
    CheckConstraint("outcome IN ('erased', 'detached')", name="outcome"),
    Index("ix_personal_data_erasures_transaction_id", "transaction_id"),
    Index("ix_personal_data_erasures_at", "at"),
)

# A request for everything the council holds about one person, written to a zip by the job worker.
subject_access_requests = Table(
    "subject_access_requests",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("person_email", String(254), nullable=True),
    Column("person_subject", String(255), nullable=True),
    Column("requested_by", Text, nullable=False),
    Column("requested_by_name", Text, nullable=False),
    Column("state", String(8), nullable=False, server_default="queued"),
    Column("requests_found", Integer, nullable=True),  # how many requests the export holds
    Column("requests_written", Integer, nullable=False, server_default="0"),  # progress so far
    Column("file_name", Text, nullable=True),
    Column("size_bytes", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    CheckConstraint("person_email IS NOT NULL OR person_subject IS NOT NULL", name="person"),
)

# An account deleted at the platform's level: removed from the identity provider at once, then its data
# erased or detached at every council by a job, each council's outcome (with what was kept and why) kept.
account_erasures = Table(
    "account_erasures",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("subject", String(255), nullable=False),
    Column("email", String(254), nullable=True),
    Column("requested_by", Text, nullable=False),
    Column("requested_by_name", Text, nullable=False),
    Column("identity_removed", Boolean, nullable=False, server_default="false"),
    Column("state", String(8), nullable=False, server_default="queued"),
    Column("councils_total", Integer, nullable=True),
    Column("councils_done", Integer, nullable=False, server_default="0"),
    Column("outcome", JSONB, nullable=False, server_default="{}"),  # council slug -> what was erased and kept
    Column("error", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    Index("ix_account_erasures_subject", "subject"),
)
