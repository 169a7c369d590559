"""Alembic environment for the control plane (schema `platform`). Run through civicshare.db.migrations."""

from alembic import context

from civicshare.db.metadata import PLATFORM_SCHEMA, platform_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=platform_metadata,
    version_table_schema=PLATFORM_SCHEMA,
    include_schemas=True,
)
with context.begin_transaction():
    context.run_migrations()
