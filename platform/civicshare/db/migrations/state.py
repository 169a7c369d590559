"""Which tenant-stream revision each council's schema is at, and how its last migration went; and the
council schemas made ahead of need (`civicshare.db.migrations.spares`).

Kept by the migration runner itself (`migrate_tenants`, `create_tenant_schema`'s caller), so operators
know which council is at which revision at all times.
"""

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, Text, func

from civicshare.db.metadata import platform_metadata

tenant_schema_state = Table(
    "tenant_schema_state",
    platform_metadata,
    Column("tenant_id", BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", String(64), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("outcome IN ('current', 'failed', 'migrating')", name="outcome"),
)

spare_schemas = Table(
    "spare_schemas",
    platform_metadata,
    Column("schema_name", String(63), primary_key=True),
    Column("script_digest", String(64), nullable=False),  # of the script that made it (`tenant_script_digest`)
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
