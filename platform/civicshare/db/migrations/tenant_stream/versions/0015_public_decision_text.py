"""staff choose which text the resident reads: a status change's reason is public only when chosen

Existing rows keep being shown (they were written as text the resident reads); new ones default to
internal. Both steps change only the catalogue (a column added with a constant default is not rewritten).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    for table, column in (("transactions", "decision_public"), ("transaction_events", "note_public")):
        op.add_column(table, sa.Column(column, sa.Boolean(), server_default=sa.true(), nullable=False), schema=schema)
        op.alter_column(table, column, server_default=sa.false(), schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_column("transaction_events", "note_public", schema=schema)
    op.drop_column("transactions", "decision_public", schema=schema)
