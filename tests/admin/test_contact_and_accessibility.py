"""Operators set how residents contact a council and what its accessibility statement says; the council's
contact page and statement show it at once."""

from __future__ import annotations

import random

import httpx

from tests.admin.conftest import onboard
from tests.support import host_for

CONTACT = {
    "phone": "028 9032 0202",
    "phone_hours": "Monday to Friday, 9am to 5pm",
    "address": ["City Hall", "Belfast", "BT1 5GS"],
    "opening_hours": ["Monday to Friday, 9am to 4pm"],
    "out_of_hours": {"phone": "028 9027 0000"},
}


async def test_a_councils_contact_details_are_set_checked_and_shown_on_its_contact_page(
    admin: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    slug = (await onboard(admin))["slug"]

    refused = await admin.put(f"/admin/v1/councils/{slug}/contact", json={**CONTACT, "phone": "12345"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "phone"
    set_ = await admin.put(f"/admin/v1/councils/{slug}/contact", json=CONTACT)
    assert set_.status_code == 200, set_.text
    assert set_.json()["definition"]["contact"]["phone"] == "028 9032 0202"

    page = (await http.get("/contact", headers=host_for(slug))).text
    assert "028 9032 0202" in page and "City Hall" in page and "Monday to Friday, 9am to 4pm" in page
    assert "call 028 9027 0000 at any time" in page
    assert 'href="/contact">Contact us</a>' in (await http.get("/cookies", headers=host_for(slug))).text


async def test_a_statement_lists_its_known_issues_and_names_the_body_that_enforces_the_regulations(
    admin: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    northern_irish = (await onboard(admin, gss_code=f"N09{random.randrange(10**6):06d}"))["slug"]
    path = f"/admin/v1/councils/{northern_irish}/accessibility-statement"

    unlisted = await admin.put(path, json={"prepared_on": "2026-10-01", "compliance": "partial"})
    assert unlisted.status_code == 422, unlisted.text
    backwards = await admin.put(path, json={"prepared_on": "2026-10-01", "last_reviewed_on": "2026-09-01"})
    assert backwards.status_code == 422, backwards.text
    issue = "Maps have no text alternative yet (WCAG 2.2 success criterion 1.1.1): fixed by March 2027."
    statement = {
        "prepared_on": "2026-10-01",
        "last_reviewed_on": "2026-11-20",
        "compliance": "partial",
        "known_issues": [issue],
    }
    assert (await admin.put(path, json=statement)).status_code == 200

    page = (await http.get("/accessibility", headers=host_for(northern_irish))).text
    assert "partially compliant" in page and issue in page
    assert "prepared on 1 October 2026" in page and "last reviewed on 20 November 2026" in page
    assert "Equality Commission for Northern Ireland (ECNI)" in page and "EHRC" not in page

    english = (await onboard(admin))["slug"]
    page = (await http.get("/accessibility", headers=host_for(english))).text
    assert "fully compliant" in page and "Equality and Human Rights Commission (EHRC)" in page
