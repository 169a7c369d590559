"""Alembic environment for one council's schema. Run through civicshare.db.migrations.

The schema arrives in `config.attributes["schema"]`; migrations read it with `tenant_schema()` and
the version table lives in that same schema, so each council knows its own revision.
"""

from alembic import context

from civicshare.db.metadata import tenant_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tenant_metadata,
    version_table_schema=context.config.attributes["schema"],
)
with context.begin_transaction():
    context.run_migrations()
