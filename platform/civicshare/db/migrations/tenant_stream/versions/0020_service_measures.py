"""the four service measures: journey counts, feedback from the confirmation page, published open data

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 17:45:00

``journey_counts`` holds counts only (journeys started on the website and requests sent from it, per day
and service), ``feedback_ratings`` the optional feedback question's answers counted per day, service and
rating, ``service_feedback`` those that came with words (day, service, rating and the resident's own
words, no time and no reference), ``open_data_publications`` the data sets a council publishes at a
public address.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from civicshare.db.migrations.runner import tenant_schema

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "journey_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("started", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sent", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("started >= 0 AND sent >= 0", name=op.f("ck_journey_counts_counts")),
        sa.PrimaryKeyConstraint("day", "service", name=op.f("pk_journey_counts")),
        schema=schema,
    )
    op.create_table(
        "feedback_ratings",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_ratings_rating")),
        sa.CheckConstraint('"count" > 0', name=op.f("ck_feedback_ratings_count")),
        sa.PrimaryKeyConstraint("day", "service", "rating", name=op.f("pk_feedback_ratings")),
        schema=schema,
    )
    op.create_table(
        "service_feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_service_feedback_rating")),
        sa.CheckConstraint("char_length(comment) <= 1200", name=op.f("ck_service_feedback_comment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_feedback")),
        schema=schema,
    )
    op.create_index("ix_service_feedback_day", "service_feedback", ["day", "id"], schema=schema)
    op.create_table(
        "open_data_publications",
        sa.Column("dataset", sa.String(length=63), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_by", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("dataset", name=op.f("pk_open_data_publications")),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("open_data_publications", schema=schema)
    op.drop_index("ix_service_feedback_day", table_name="service_feedback", schema=schema)
    op.drop_table("service_feedback", schema=schema)
    op.drop_table("feedback_ratings", schema=schema)
    op.drop_table("journey_counts", schema=schema)
