"""Statements run straight on the driver are compiled once and written for each council by replacing a
stand-in for its schema: the SQL each council gets must be exactly what SQLAlchemy writes for it."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from civicshare.db.driver import CouncilStatement
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.transactions.service import CREATE_TRANSACTION, FIND_BY_IDEMPOTENCY_KEY, RECORD_DERIVED
from civicshare.transactions.tracking import TRACKED

SCHEMAS = ["council_kingston", "council_newham_2", "Council With Capitals"]


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize(
    "statement",
    [CREATE_TRANSACTION, FIND_BY_IDEMPOTENCY_KEY, RECORD_DERIVED, TRACKED],
    ids=["create", "idempotency key", "derived", "tracked"],
)
def test_each_council_gets_the_sql_sqlalchemy_writes_for_its_schema(statement: object, schema: str) -> None:
    dialect = asyncpg_dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    expected = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema}, render_schema_translate=True
    ).string
    council_statement = CouncilStatement(statement)  # type: ignore[arg-type]
    council_statement.compiled_for(dialect, "council_other")  # compiled once, for another council first

    assert council_statement.compiled_for(dialect, schema).sql == expected
