"""Control-plane tables in schema `platform`: councils, their domains, groups and module settings."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from civicshare.db.metadata import platform_metadata

service_groups = Table(
    "service_groups",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("definition", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

tenants = Table(
    "tenants",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("gss_code", String(9), nullable=False, unique=True),
    Column("reference_prefix", String(5), nullable=False, unique=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("mode", String(8), nullable=False, server_default="trial"),
    Column("schema_name", String(63), nullable=False, unique=True),
    Column("group_id", BigInteger, ForeignKey("service_groups.id", ondelete="SET NULL"), nullable=True),
    Column("branding", JSONB, nullable=False, server_default="{}"),
    Column("definition", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('active', 'suspended', 'offboarding')", name="status"),
    CheckConstraint("mode IN ('trial', 'live')", name="mode"),
)

tenant_domains = Table(
    "tenant_domains",
    platform_metadata,
    Column("domain", String(253), primary_key=True),
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Index("ix_tenant_domains_tenant_id", "tenant_id"),
)

tenant_modules = Table(
    "tenant_modules",
    platform_metadata,
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("module_code", String(63), primary_key=True),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    Column("settings", JSONB, nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

group_modules = Table(
    "group_modules",
    platform_metadata,
    Column("group_id", BigInteger, ForeignKey("service_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("module_code", String(63), primary_key=True),
    Column("settings", JSONB, nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# A council's logo uploaded through the admin API, shown by its website instead of the one in tenants/.
tenant_logos = Table(
    "tenant_logos",
    platform_metadata,
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# A front door: one site for an area's councils of two tiers (`<slug>.<base domain>` or its own domains),
# listing every service once and sending each request to the council responsible for it there
# (`civicshare.places.front_doors`; which council does what is `places.tables.service_responsibilities`).
front_doors = Table(
    "front_doors",
    platform_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("domains", JSONB, nullable=False, server_default="[]"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
