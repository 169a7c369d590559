"""Start, exit and contact pages over plain HTTP, at a council that has not given its contact details."""

from __future__ import annotations

import httpx

from tests.support import host_for

BROWSER = {**host_for("waltham-forest"), "Accept": "text/html"}


async def test_a_council_without_contact_details_still_gets_honest_start_and_contact_pages(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    start = await http.get("/services/garden-waste-subscription", headers=BROWSER)
    assert start.status_code == 200
    assert "It costs £50 a bin for a year." in start.text  # the module's default price
    assert "We will deal with your request within 10 working days." in start.text
    assert "Other ways to do this" not in start.text  # nothing to offer rather than made-up numbers

    contact = await http.get("/contact", headers=BROWSER)
    assert contact.status_code == 200
    assert "has not published its contact details on this website yet" in contact.text


async def test_an_exit_page_exists_only_for_a_rule_of_a_service_the_council_offers(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    kingston = {**host_for("kingston"), "Accept": "text/html"}
    found = await http.get("/services/single-person-discount/not-eligible/another-adult", headers=kingston)
    assert found.status_code == 200 and "You cannot get a single person discount" in found.text
    assert (
        await http.get("/services/single-person-discount/not-eligible/no-such-rule", headers=kingston)
    ).status_code == 404
    # Waltham Forest does not offer council tax services online.
    elsewhere = await http.get("/services/single-person-discount/not-eligible/another-adult", headers=BROWSER)
    assert elsewhere.status_code == 404
