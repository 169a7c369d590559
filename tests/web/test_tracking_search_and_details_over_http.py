"""Issue 17 items 4, 6 and 8 over plain HTTP: what tracking shows (and keeps private), search by the
words residents use, compressed pages, titles that name the service, no "Thames's"."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Literal, get_args, get_origin

import httpx
import pytest

from civicshare.catalogue.service import Offering
from civicshare.modules import ModuleRegistry, answer_spec
from civicshare.web.catalogue import listing_of, search
from civicshare.web.questions import questions_for
from civicshare.web.service import reported_answers
from tests.support import host_for, photo_png
from tests.web.test_pages_over_http import browser_at, csrf_token

ADDRESS = {"address_line": "12 Acacia Avenue", "postcode": "KT1 1EU"}
POSTCODE_IN = {"kingston": "KT1 1EU", "newham": "E16 2QU"}  # an address must be in the council's own area


def _installed_offerings() -> list[Offering]:
    registry = ModuleRegistry.discover(core_version="0.1")
    return [
        Offering("kingston", module, service, module.default_settings())
        for module in registry
        for service in module.services
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("potholes", "report-pothole"),
        ("parking fine", "pay-penalty-charge"),
        ("bin", "report-missed-bin"),
        ("brown bin", "garden-waste-subscription"),  # the waste module's own synonym, added to the platform's
        ("street lamps", "report-streetlight"),
    ],
)
def test_search_finds_services_by_plurals_synonyms_and_common_words(query: str, expected: str) -> None:
    found = [listing.code for listing in search([listing_of(o) for o in _installed_offerings()], query)]
    assert expected in found, (query, found)


def test_answers_read_back_in_the_modules_words_with_yes_first_and_personal_ones_held_back() -> None:
    offerings = {offering.code: offering for offering in _installed_offerings()}
    discount = offerings["single-person-discount"]
    [asked] = [
        q for step in discount.service.steps for q in questions_for(step, discount.settings) if q.name == "other_adults"
    ]
    assert [option.label for option in asked.options] == ["Yes", "No"]

    answers = {"size": "large", "on": "cycle_lane", "location_description": "By the bus stop"}
    rows, held_back = reported_answers(offerings["report-pothole"], answers, with_personal=False)
    assert [(row.key, row.value) for row in rows] == [
        ("Describe the location", "By the bus stop"),
        ("How big is the pothole?", "Large"),
        ("Where is the pothole?", "Cycle lane"),
    ]
    assert not held_back

    missed = {**ADDRESS, "bin_type": "recycling", "collection_date": "2026-03-02"}
    rows, held_back = reported_answers(offerings["report-missed-bin"], missed, with_personal=False)
    assert held_back and "12 Acacia Avenue" not in str(rows)
    assert ("When should it have been collected?", "2 March 2026") in [(row.key, row.value) for row in rows]
    rows, held_back = reported_answers(offerings["report-missed-bin"], missed, with_personal=True)
    assert not held_back and ("Building and street", "12 Acacia Avenue") in [(row.key, row.value) for row in rows]


async def _missed_bin_with_photo(http: httpx.AsyncClient, slug: str, email: str) -> str:
    today = date.today().isoformat()
    sent = await http.post(
        "/api/v1/services/report-missed-bin/transactions",
        json={
            "answers": {**ADDRESS, "postcode": POSTCODE_IN[slug], "bin_type": "recycling", "collection_date": today},
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["reference"])


async def _pothole_with_photo(http: httpx.AsyncClient, slug: str, email: str) -> str:
    sent = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {"location_description": "Outside 3 Mill Street", "size": "medium", "on": "road"},
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert sent.status_code == 201, sent.text
    upload = sent.json()["upload"]
    attached = await http.post(
        upload["href"],
        files={"files": ("pothole.png", photo_png(), "image/png")},
        headers={**host_for(slug), "X-Upload-Token": upload["token"]},
    )
    assert attached.status_code == 201, attached.text
    return str(sent.json()["reference"])


async def _track(http: httpx.AsyncClient, slug: str, reference: str, email: str) -> httpx.Response:
    token = await csrf_token(http, "/track", browser_at(slug))
    return await http.post(
        "/track", data={"reference": reference, "email": email, "csrf_token": token}, headers=browser_at(slug)
    )


async def test_tracking_shows_what_was_reported_with_its_photo_and_a_coloured_status(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    email = f"track-{uuid.uuid4().hex[:6]}@kingston.example"
    reference = await _pothole_with_photo(http, "kingston", email)
    page = await _track(http, "kingston", reference, email)
    assert page.status_code == 200
    assert "Report a pothole" in page.text and "Due by" in page.text
    assert "How big is the pothole?" in page.text and ">Medium<" in page.text.replace("\n", "").replace(" ", "")
    assert "Outside 3 Mill Street" in page.text
    assert 'govuk-tag govuk-tag--blue">Received' in page.text
    [photo] = re.findall(r'<img class="cs-photos__image" src="([^"]+)"', page.text)
    photo = photo.replace("&amp;", "&")
    shown = await http.get(photo, headers=browser_at("kingston"))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    # The photo's address is signed for this request and photo: changed, or without it, it shows nothing.
    for guessed in (photo.split("?")[0], photo[:-2] + ("00" if not photo.endswith("00") else "11")):
        assert (await http.get(guessed, headers=browser_at("kingston"))).status_code == 404
    # Nor at another council, whose schema has no such request.
    assert (await http.get(photo, headers=browser_at("newham"))).status_code == 404


async def test_tracking_by_reference_and_email_keeps_answers_about_the_resident_private(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    email = f"bins-{uuid.uuid4().hex[:6]}@newham.example"
    reference = await _missed_bin_with_photo(http, "newham", email)
    page = await _track(http, "newham", reference, email)
    assert page.status_code == 200
    assert "Which bin was missed?" in page.text
    assert "12 Acacia Avenue" not in page.text and "KT1 1EU" not in page.text
    assert "Answers about you" in page.text


@pytest.mark.parametrize("encoding", ["br", "gzip"])
async def test_pages_are_compressed_for_browsers_that_accept_it(
    http: httpx.AsyncClient, shipped_councils: list[str], encoding: str
) -> None:
    page = await http.get("/", headers={**browser_at("kingston"), "Accept-Encoding": encoding})
    assert page.status_code == 200 and page.headers["content-encoding"] == encoding
    assert "Online services" in page.text  # httpx decodes it, as a browser does
    assert int(page.headers["content-length"]) < len(page.content) / 3
    plain = await http.get("/", headers={**browser_at("kingston"), "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', plain.text)
    assert stylesheet
    css = await http.get(stylesheet[1], headers={**host_for("kingston"), "Accept-Encoding": encoding})
    assert css.headers["content-encoding"] == encoding and css.text.count("govuk-") > 100  # compressed once


async def test_page_titles_name_the_service_and_no_page_says_thamess(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    headers = browser_at("kingston")
    step = await http.get("/services/report-pothole/details", headers=headers)
    assert (
        "<title>About the pothole \N{EN DASH} Report a pothole \N{EN DASH} "
        "Royal Borough of Kingston upon Thames</title>" in step.text
    )
    for path in ("/", "/search?q=bin", "/track", "/cookies", "/privacy", "/accessibility", "/no-such-page"):
        page = await http.get(path, headers=headers)
        assert "Thames's" not in page.text and "Thames\N{RIGHT SINGLE QUOTATION MARK}s" not in page.text, path


async def test_a_date_error_names_the_date(http: httpx.AsyncClient, shipped_councils: list[str]) -> None:
    headers = browser_at("kingston")
    url = "/services/garden-waste-subscription/subscription"
    token = await csrf_token(http, url, headers)
    fields = {"bins": "1", "start_date-day": "31", "start_date-month": "2", "start_date-year": "2027"}
    page = await http.post(url, data={**fields, "csrf_token": token}, headers=headers)
    assert page.status_code == 400 and "Start date must be a real date" in page.text


def test_every_installed_modules_lists_and_date_messages_are_in_its_own_words() -> None:
    for offering in _installed_offerings():
        for step in offering.service.steps:
            for name, info in step.form.model_fields.items():
                spec = answer_spec(info)
                plain = info.annotation
                if get_origin(plain) is Literal:
                    assert spec and set(spec.options) == {str(value) for value in get_args(plain)}, (
                        f"{offering.code}.{name} must label every option (answer(options=...))"
                    )
                if spec and "date" in spec.errors:
                    assert not spec.errors["date"].startswith("Date "), f"{offering.code}.{name}: name the date"
