"""Places' tables: each council's boundary and who does what behind a front door (schema `platform`), and each
council's request transfers (its own schema)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
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

from civicshare.db.metadata import platform_metadata, tenant_metadata

council_boundaries = Table(
    "council_boundaries",
    platform_metadata,
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("geojson", JSONB, nullable=False),
    Column("area_km2", Float, nullable=False),
    # The demo's simplified shapes say so wherever they are shown; official (ONS) boundaries do not.
    Column("illustrative", Boolean, nullable=False, server_default="false"),
    Column("source", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Behind a front door, the council responsible for a service inside its own boundary (a county's highways,
# a district's bins). No two councils whose areas overlap are responsible for the same service
# (`civicshare.places.front_doors` refuses it before anything is kept).
service_responsibilities = Table(
    "service_responsibilities",
    platform_metadata,
    Column("front_door_id", BigInteger, ForeignKey("front_doors.id", ondelete="CASCADE"), nullable=False),
    Column("service_code", String(63), nullable=False),
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("front_door_id", "service_code", "tenant_id"),
    Index("ix_service_responsibilities_tenant_id", "tenant_id"),
)

# A request sent on to another council on the platform ("out"), or received from one ("in").
request_transfers = Table(
    "request_transfers",
    tenant_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("transaction_id", BigInteger, nullable=False),
    Column("direction", String(3), nullable=False),
    Column("other_council", String(63), nullable=False),
    Column("other_council_name", Text, nullable=False),
    Column("other_reference", String(32), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("officer_subject", String(255), nullable=True),
    Column("officer_name", String(255), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("direction IN ('out', 'in')", name="direction"),
    Index("ix_request_transfers_transaction_id", "transaction_id"),
)
