"""A submission written straight on the driver is the same record SQLAlchemy reads back, and keeps the
council's references in step with the in-transaction path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civicshare.db.engine import Database, tenant_connection
from civicshare.transactions.service import (
    DuplicateSubmission,
    NewTransaction,
    create_transaction,
    create_transaction_committed,
    find_by_reference,
    record_derived_committed,
)
from tests.conftest import CouncilFactory
from tests.support import tenant_context_for


def streetlight(key: str | None = None) -> NewTransaction:
    return NewTransaction(
        module="highways",
        service="report-streetlight",
        channel="app",
        status="received",
        answers={"fault": "flickering", "location_description": "Outside 4 Mill Lane", "nested": {"n": [1, 2]}},
        contact_email="Grace@Example.org",
        latitude=Decimal("51.412345"),
        longitude=Decimal("-0.301234"),
        address="Outside 4 Mill Lane",
        usrn="12345678",
        fee_pence=None,
        idempotency_key=key,
        request_fingerprint="f" * 64 if key else None,
        due_on=date(2026, 12, 1),
    )


async def test_the_row_written_on_the_driver_is_the_row_read_back(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    written = await create_transaction_committed(database.engine, council, streetlight("key-1"))
    async with tenant_connection(database.engine, council) as connection:
        stored = await find_by_reference(connection, written["reference"])
    assert stored == written
    assert written["answers"]["nested"] == {"n": [1, 2]}
    assert written["latitude"] == Decimal("51.412345") and written["due_on"] == date(2026, 12, 1)
    assert written["contact_email"] == "grace@example.org"


async def test_a_reused_key_on_the_driver_returns_the_first_row_and_uses_no_number(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    first = await create_transaction_committed(database.engine, council, streetlight("same-key"))
    with pytest.raises(DuplicateSubmission) as duplicate:
        await create_transaction_committed(database.engine, council, streetlight("same-key"))
    assert duplicate.value.existing == first
    async with tenant_connection(database.engine, council) as connection:
        following = await create_transaction(connection, council, streetlight("another-key"))
    assert int(following["reference"].rsplit("-", 1)[1]) == int(first["reference"].rsplit("-", 1)[1]) + 1


async def test_derived_values_recorded_on_the_driver_are_stored(
    database: Database, make_council: CouncilFactory
) -> None:
    council = await tenant_context_for(database, (await make_council()).slug)
    written = await create_transaction_committed(database.engine, council, streetlight())
    await record_derived_committed(database.engine, council, written["id"], {"account_reference": "CT-123"})
    async with tenant_connection(database.engine, council) as connection:
        stored = await find_by_reference(connection, written["reference"])
    assert stored is not None and stored["derived"] == {"account_reference": "CT-123"}
