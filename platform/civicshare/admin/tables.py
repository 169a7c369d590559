"""Control-plane tables of the admin API: operator keys, the audit log, exports, offboarding, logos."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import platform_metadata

operator_api_keys = Table(
    "operator_api_keys",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # The public part of a key (`cs_live_<key_id><secret>`): found by it, then the secret's hash compared.
    Column("key_id", String(16), nullable=False, unique=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("scope", String(8), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("scope IN ('read', 'full')", name="scope"),
)

audit_events = Table(
    "audit_events",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),  # "api-key:<key_id>", "cli", later "operator:<subject>"
    Column("actor_name", Text, nullable=False),
    Column("via", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    # Slugs, not foreign keys: the record outlives a purged council.
    Column("council", String(63), nullable=True),
    Column("service_group", String(63), nullable=True),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    Column("request_id", String(64), nullable=True),
    Index("ix_audit_events_council_id", "council", "id"),
    Index("ix_audit_events_actor_id", "actor", "id"),
    Index("ix_audit_events_action_id", "action", "id"),
    Index("ix_audit_events_at", "at"),
)

council_exports = Table(
    "council_exports",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("council", String(63), nullable=False),
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True),
    Column("file_name", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("schema_revision", String(64), nullable=False),
    Column("row_counts", JSONB, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_council_exports_council_id", "council", "id"),
)

# An operator's request for a council export, run by the job worker; polled until done or failed.
council_export_jobs = Table(
    "council_export_jobs",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("council", String(63), nullable=False),
    Column("state", String(8), nullable=False, server_default="queued"),
    Column("requested_by", Text, nullable=False),
    Column("requested_by_name", Text, nullable=False),
    Column("requested_via", String(16), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("export_id", BigInteger, ForeignKey("council_exports.id", ondelete="SET NULL"), nullable=True),
    Column("error", Text, nullable=True),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    Index("ix_council_export_jobs_council_id", "council", "id"),
)

tenant_offboarding = Table(
    "tenant_offboarding",
    platform_metadata,
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("purge_after", DateTime(timezone=True), nullable=False),
    Column("started_by", Text, nullable=False),
)
