"""The reference counter's year is given, never generated: drop the integer sequence SQLAlchemy attached to it
(a sequence narrower than bigint is one of the things `civicshare citus check` refuses)

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.execute(f'ALTER TABLE "{schema}".reference_sequences ALTER COLUMN year DROP DEFAULT')
    op.execute(f'DROP SEQUENCE IF EXISTS "{schema}".reference_sequences_year_seq')


def downgrade() -> None:
    schema = tenant_schema()
    op.execute(
        f'CREATE SEQUENCE "{schema}".reference_sequences_year_seq AS integer '
        f'OWNED BY "{schema}".reference_sequences.year'
    )
    op.execute(
        f'ALTER TABLE "{schema}".reference_sequences ALTER COLUMN year '
        f"SET DEFAULT nextval('\"{schema}\".reference_sequences_year_seq')"
    )
