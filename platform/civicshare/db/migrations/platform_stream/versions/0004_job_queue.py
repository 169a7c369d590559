"""job queue: procrastinate's schema

Revision ID: 0004
Revises: 0003

Procrastinate's tables and functions are installed from the schema file of the installed version into
their own schema, `procrastinate` (the job workers connect with that schema on their search path).
Upgrading procrastinate means a migration applying its own migration files in the same way.
"""

from collections.abc import Sequence
from importlib.resources import files

from alembic import op
from sqlalchemy.util import await_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA procrastinate")
    op.execute("SET LOCAL search_path TO procrastinate")
    schema_sql = files("procrastinate").joinpath("sql/schema.sql").read_text()
    # Many statements in one: sent as a simple query straight on the driver's connection.
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    await_only(driver.execute(schema_sql))
    op.execute("SET LOCAL search_path TO public")


def downgrade() -> None:
    op.execute("DROP SCHEMA procrastinate CASCADE")
