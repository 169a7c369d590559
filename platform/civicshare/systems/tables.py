"""Tenant tables of connected systems. Declared against the placeholder schema; routed per council.

A council's system keys live in its own schema, beside the requests they open: a key is looked up only
in the schema of the council the request was addressed to, so a key of another council is simply not
found there, and offboarding a council (dropping its schema) takes its keys with it.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import tenant_metadata

system_keys = Table(
    "system_keys",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("key_id", String(12), nullable=False, unique=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("name", String(80), nullable=False),
    Column("scope", String(8), nullable=False),
    # The services the key works on (a JSON list of service codes), like a limited team; NULL: every one.
    Column("services", JSONB, nullable=True),
    Column("created_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(255), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    # When a refusal of this key was last written to the audit log (at most one a minute).
    Column("last_refused_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("scope IN ('read', 'write')", name="scope"),
)

# What each system key's writes answered, by its Idempotency-Key: a repeat answers the same.
system_idempotency = Table(
    "system_idempotency",
    tenant_metadata,
    Column("system_key_id", BigInteger, ForeignKey("system_keys.id", ondelete="CASCADE"), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("system_key_id", "idempotency_key"),
    Index("ix_system_idempotency_created_at", "created_at"),
)

# Open311 clients (FixMyStreet, a 311 app): each has its own key, issued by a council administrator, that
# its POSTs to `/open311/v2/` carry as `api_key`. Stored as a SHA-256 hash; revocable.
open311_clients = Table(
    "open311_clients",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("key_id", String(12), nullable=False, unique=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("name", String(80), nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(255), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

# The service request updates each Open311 client posted, by the client's own update id, so a client that
# posts the same update again (after a timeout) is answered with the same update id and nothing is doubled.
open311_client_updates = Table(
    "open311_client_updates",
    tenant_metadata,
    Column("client_id", BigInteger, ForeignKey("open311_clients.id", ondelete="CASCADE"), nullable=False),
    Column("client_update_id", String(64), nullable=False),
    Column("update_id", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("client_id", "client_update_id"),
)
