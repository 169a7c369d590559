"""statement functions: the submission and tracking statements kept in the council's schema as functions

PostgreSQL plans a statement sent behind the pooler every time; a function's plan it keeps per backend.

Revision ID: 0024_statement_functions
Revises: 0023_savings_inputs
"""

from collections.abc import Sequence

from alembic import op

from civicshare.db.migrations.runner import tenant_schema
from civicshare.transactions.service import create_function_sql
from civicshare.transactions.tracking import tracked_function_sql

revision: str = "0024_statement_functions"
down_revision: str | None = "0023_savings_inputs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.execute(create_function_sql(schema))
    op.execute(tracked_function_sql(schema))


def downgrade() -> None:
    schema = tenant_schema()
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".create_transactions')
    op.execute(f'DROP FUNCTION IF EXISTS "{schema}".tracked_request')
