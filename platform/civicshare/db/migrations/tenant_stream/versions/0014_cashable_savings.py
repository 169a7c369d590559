"""cashable savings and avoidable contact: baseline volumes, a "repeat" contact reason

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00

A baseline keeps the contacts it was measured from (``contacts`` per channel over ``window_days``
days), so a report can compare the staffed contacts handled now with the staffed contacts handled
before (the cashable saving), not only the mix. Rows stored before have no volume: their services
claim no cashable saving until the baseline is derived or set again. The contact log gains the reason
``repeat`` (the same matter again), which with ``chasing`` and ``wrong_council`` is avoidable contact.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_REPEAT = "reason IN ('chasing', 'repeat', 'wrong_council', 'information', 'complaint')"
WITHOUT_REPEAT = "reason IN ('chasing', 'wrong_council', 'information', 'complaint')"


def _reasons(schema: str, check: str) -> None:
    op.drop_constraint(op.f("ck_logged_contacts_reason"), "logged_contacts", type_="check", schema=schema)
    op.create_check_constraint(op.f("ck_logged_contacts_reason"), "logged_contacts", check, schema=schema)


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("baseline_mixes", sa.Column("contacts", sa.BigInteger(), nullable=True), schema=schema)
    op.add_column("baseline_mixes", sa.Column("window_days", sa.Integer(), nullable=True), schema=schema)
    op.create_check_constraint(
        op.f("ck_baseline_mixes_volume"),
        "baseline_mixes",
        "(contacts IS NULL AND window_days IS NULL) OR (contacts >= 0 AND window_days > 0)",
        schema=schema,
    )
    _reasons(schema, WITH_REPEAT)


def downgrade() -> None:
    schema = tenant_schema()
    # Refused while a repeat contact is logged: downgrading never deletes a council's contact log.
    _reasons(schema, WITHOUT_REPEAT)
    op.drop_constraint(op.f("ck_baseline_mixes_volume"), "baseline_mixes", type_="check", schema=schema)
    op.drop_column("baseline_mixes", "window_days", schema=schema)
    op.drop_column("baseline_mixes", "contacts", schema=schema)
