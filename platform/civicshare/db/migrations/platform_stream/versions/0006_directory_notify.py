"""council directory changes wake every node: a NOTIFY on `civicshare_directory` when a council, its
domains, its modules, its group or its logo change (statement triggers; delivered at commit)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("tenants", "tenant_domains", "tenant_modules", "group_modules", "service_groups", "tenant_logos")


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION platform.notify_directory() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n    PERFORM pg_notify('civicshare_directory', TG_TABLE_NAME);\n    RETURN NULL;\nEND;\n$$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_directory AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON platform.{table} FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_directory()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_directory ON platform.{table}")
    op.execute("DROP FUNCTION platform.notify_directory()")
