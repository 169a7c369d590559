"""No request, connection or guess scoped to one council can read or write another council's rows."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from civicshare.db.engine import Database, tenant_connection
from civicshare.transactions.tables import transactions
from tests.conftest import CouncilFactory
from tests.support import host_for, record_transaction, tenant_context_for


@pytest.fixture
async def two_councils(make_council: CouncilFactory, database: Database) -> dict[str, str]:
    """Two councils each holding a resident's pothole report; returns slug -> reference."""
    first = await make_council()
    second = await make_council()
    return {
        first.slug: await record_transaction(database, first.slug, "ada@example.org"),
        second.slug: await record_transaction(database, second.slug, "ada@example.org"),
    }


async def test_a_resident_tracks_their_request_at_their_own_council(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    for slug, reference in two_councils.items():
        response = await http.get(
            f"/api/v1/transactions/{reference}", params={"email": "ada@example.org"}, headers=host_for(slug)
        )
        assert response.status_code == 200, response.text
        assert response.json()["reference"] == reference


async def test_another_councils_reference_is_not_found_even_with_the_right_email(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    (first, first_ref), (second, second_ref) = two_councils.items()
    for host, reference in ((first, second_ref), (second, first_ref)):
        response = await http.get(
            f"/api/v1/transactions/{reference}", params={"email": "ada@example.org"}, headers=host_for(host)
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_guessed_references_in_the_councils_own_format_find_nothing_of_the_other(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    (first, _), (_, second_ref) = two_councils.items()
    prefix = second_ref.split("-")[0]
    for number in range(1, 6):
        guess = f"{prefix}-{second_ref.split('-')[1]}-{number:06d}"
        response = await http.get(
            f"/api/v1/transactions/{guess}", params={"email": "ada@example.org"}, headers=host_for(first)
        )
        assert response.status_code == 404


async def test_a_spoofed_x_tenant_beside_a_council_host_is_refused(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    (first, _), (second, second_ref) = two_councils.items()
    response = await http.get(
        f"/api/v1/transactions/{second_ref}",
        params={"email": "ada@example.org"},
        headers={**host_for(first), "X-Tenant": second},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:civicshare:problem:conflicting-council"


async def test_a_path_prefix_that_disagrees_with_the_host_is_refused(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    (first, _), (second, second_ref) = two_councils.items()
    response = await http.get(
        f"/t/{second}/api/v1/transactions/{second_ref}",
        params={"email": "ada@example.org"},
        headers=host_for(first),
    )
    assert response.status_code == 400


async def test_x_tenant_alone_addresses_a_council_for_api_clients(
    http: httpx.AsyncClient, two_councils: dict[str, str]
) -> None:
    (first, first_ref), (second, _) = two_councils.items()
    own = await http.get(
        f"/api/v1/transactions/{first_ref}", params={"email": "ada@example.org"}, headers={"X-Tenant": first}
    )
    other = await http.get(
        f"/api/v1/transactions/{first_ref}", params={"email": "ada@example.org"}, headers={"X-Tenant": second}
    )
    assert own.status_code == 200
    assert other.status_code == 404


async def test_the_session_layer_sees_only_the_routed_councils_rows(
    database: Database, two_councils: dict[str, str]
) -> None:
    (first, first_ref), (_, second_ref) = two_councils.items()
    tenant = await tenant_context_for(database, first)
    async with tenant_connection(database.engine, tenant) as connection:
        references = set(await connection.scalars(select(transactions.c.reference)))
    assert first_ref in references
    assert second_ref not in references


async def test_a_write_through_one_council_lands_only_in_that_council(
    database: Database, two_councils: dict[str, str]
) -> None:
    (first, _), (second, _) = two_councils.items()
    second_tenant = await tenant_context_for(database, second)

    async def count_second() -> int:
        async with tenant_connection(database.engine, second_tenant) as connection:
            return int(await connection.scalar(select(func.count()).select_from(transactions)) or 0)

    before = await count_second()
    await record_transaction(database, first, "grace@example.org")
    assert await count_second() == before


async def test_tenant_tables_cannot_be_reached_without_a_council(database: Database) -> None:
    """Forgetting the council raises; it never falls back to reading every council's rows."""
    with pytest.raises(ProgrammingError, match=r'schema "tenant" does not exist|relation "tenant\.transactions"'):
        async with database.engine.connect() as connection:
            await connection.execute(select(transactions.c.reference))


async def test_no_search_path_survives_on_a_pooled_connection(database: Database, two_councils: dict[str, str]) -> None:
    first = next(iter(two_councils))
    tenant = await tenant_context_for(database, first)
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(select(transactions.c.id).limit(1))
    async with database.engine.connect() as connection:
        search_path = await connection.scalar(text("SHOW search_path"))
    assert search_path is not None
    assert tenant.schema not in search_path
