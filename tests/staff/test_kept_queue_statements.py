"""The queue's statement is built once for each shape of filter and kept: every later request of that
shape, at any council and for any officer, must be answered with its own values, never the first one's."""

from __future__ import annotations

import httpx
import pytest

from civicshare.casework import saved_filters
from civicshare.db.engine import Database, tenant_connection, tenant_reading
from civicshare.modules.working_days import uk_today
from civicshare.staff.queue import QueueFilter, queue_page
from tests.auth.conftest import CouncilWithOrganization
from tests.staff.test_back_office_pages import HIGHWAYS, report_pothole
from tests.support import tenant_context_for


async def test_one_kept_statement_answers_each_council_search_and_officer_with_its_own(
    http: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    made: dict[str, dict[str, str]] = {}
    for slug in (await council(**HIGHWAYS), await council(**HIGHWAYS)):
        made[slug] = {email: await report_pothole(http, slug, email) for email in ("ada@example.org", "bo@example.org")}
    for slug, references in made.items():
        tenant = await tenant_context_for(database, slug)
        async with tenant_connection(database.engine, tenant) as connection:
            await saved_filters.save_filter(connection, f"officer-at-{slug}", "Overdue", "due=overdue")
        async with tenant_reading(database.engine, tenant) as connection:
            for email, reference in references.items():  # one shape: a search by email
                found = await queue_page(
                    connection,
                    QueueFilter(state="all", search=email),
                    page=1,
                    today=uk_today(),
                    me=f"officer-at-{slug}",
                    beside=saved_filters.filters_as_json(),
                    beside_parameters=saved_filters.owner_parameters(f"officer-at-{slug}"),
                )
                assert [row["reference"] for row in found.rows] == [reference]
                assert [kept.name for kept in saved_filters.from_json(found.beside)] == ["Overdue"]
            everything = await queue_page(
                connection, QueueFilter(state="all"), page=1, today=uk_today(), me="nobody in particular"
            )
            assert {row["reference"] for row in everything.rows} == set(references.values())


async def test_a_kept_statement_never_answers_with_the_values_of_the_request_it_was_built_for(
    http: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await saved_filters.save_filter(connection, "first-officer", "Mine only", "assignee=me")
    async with tenant_reading(database.engine, tenant) as connection:
        wanted = QueueFilter(state="open", channel="phone")
        first = await queue_page(
            connection, wanted, page=1, today=uk_today(), me="first-officer",
            beside=saved_filters.filters_as_json(), beside_parameters=saved_filters.owner_parameters("first-officer"),
        )  # fmt: skip
        assert [kept.name for kept in saved_filters.from_json(first.beside)] == ["Mine only"]
        # The same shape with the officer's value left out: refused, not the first officer's filters.
        beside = saved_filters.filters_as_json()
        with pytest.raises(RuntimeError, match="saved_filters_owner"):
            await queue_page(connection, wanted, page=1, today=uk_today(), me="second-officer", beside=beside)
