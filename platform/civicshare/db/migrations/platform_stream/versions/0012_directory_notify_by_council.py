"""directory changes name their council: `<table>:<tenant id>` for a change to one council's rows, so each
node forgets its copies of that council only (with 400 councils, forgetting every council's offerings
and logo on each change cost every node some 800 statements); group and truncate changes still say only
their table, and every copy is forgotten

Revision ID: 0012_directory_notify_by_council
Revises: 0011_spare_schemas
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_directory_notify_by_council"
down_revision: str | None = "0011_spare_schemas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The council's id in each table's rows; the group tables touch every council of their group.
BY_COUNCIL = {
    "tenants": "id",
    "tenant_domains": "tenant_id",
    "tenant_modules": "tenant_id",
    "tenant_logos": "tenant_id",
}


def upgrade() -> None:
    # Row triggers: a notification per row, but PostgreSQL sends each distinct payload once per transaction.
    op.execute(
        "CREATE FUNCTION platform.notify_directory_council() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    IF TG_OP <> 'INSERT' THEN\n"
        "        PERFORM pg_notify('civicshare_directory', TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));\n"
        "    END IF;\n"
        "    IF TG_OP <> 'DELETE' THEN\n"
        "        PERFORM pg_notify('civicshare_directory', TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0]));\n"
        "    END IF;\n"
        "    RETURN NULL;\n"
        "END;\n$$"
    )
    for table, column in BY_COUNCIL.items():
        op.execute(f"DROP TRIGGER {table}_notify_directory ON platform.{table}")
        op.execute(
            f"CREATE TRIGGER {table}_notify_directory AFTER INSERT OR UPDATE OR DELETE ON platform.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION platform.notify_directory_council('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_notify_directory_truncated AFTER TRUNCATE ON platform.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_directory()"
        )


def downgrade() -> None:
    for table in BY_COUNCIL:
        op.execute(f"DROP TRIGGER {table}_notify_directory_truncated ON platform.{table}")
        op.execute(f"DROP TRIGGER {table}_notify_directory ON platform.{table}")
        op.execute(
            f"CREATE TRIGGER {table}_notify_directory AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON platform.{table} FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_directory()"
        )
    op.execute("DROP FUNCTION platform.notify_directory_council()")
