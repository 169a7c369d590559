"""Migrations: one Alembic stream for the control plane, one applied to every council's schema.

A new council's schema is created from the current table definitions and stamped at head (replaying
every migration at sign-up would be slow); existing councils are upgraded by `migrate_tenants`, each
in its own transaction, several at once in worker processes, each outcome recorded in
`platform.tenant_schema_state` so an interrupted run picks up where it stopped.
"""

from civicshare.db.migrations.fleet import migrate_tenants
from civicshare.db.migrations.runner import (
    TenantMigrationOutcome,
    create_tenant_schema,
    platform_head,
    platform_revision,
    tenant_head,
    tenant_revision,
    tenant_schema,
    upgrade_platform,
)

__all__ = [
    "TenantMigrationOutcome",
    "create_tenant_schema",
    "migrate_tenants",
    "platform_head",
    "platform_revision",
    "tenant_head",
    "tenant_revision",
    "tenant_schema",
    "upgrade_platform",
]
