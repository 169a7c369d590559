"""What a resident sees when an answer is wrong: GOV.UK wording, keyed by the question."""

from __future__ import annotations

from datetime import date
from typing import Any

from civicshare.modules import ServiceModule, check_answers, check_step, resolve_settings, steps_to_ask

TODAY = date(2026, 3, 10)


def test_an_unanswered_question_shows_its_missing_message(graffiti: ServiceModule[Any]) -> None:
    step = graffiti.services[0].step("graffiti")

    checked = check_step(step, {"surface": "", "offensive": "   "}, settings=resolve_settings(graffiti), today=TODAY)

    assert checked.errors == {
        "surface": "Select what it is on",
        "offensive": "Select yes if the graffiti is offensive",
    }


def test_a_choice_the_council_does_not_offer_is_refused(graffiti: ServiceModule[Any]) -> None:
    step = graffiti.services[0].step("graffiti")
    settings = resolve_settings(graffiti, council={"surfaces": [{"value": "wall", "label": "Wall"}]})

    refused = check_step(step, {"surface": "bus_shelter", "offensive": "no"}, settings=settings, today=TODAY)
    accepted = check_step(step, {"surface": "wall", "offensive": "no"}, settings=settings, today=TODAY)

    assert refused.errors == {"surface": "Select what it is on"}
    assert accepted.answers == {"surface": "wall", "offensive": "no", "private_property": False}


def test_too_long_and_unreal_dates_get_the_fields_own_wording(
    graffiti: ServiceModule[Any],
) -> None:
    step = graffiti.services[0].step("owner")

    checked = check_step(
        step,
        {"owner_name": "A" * 21, "removal_date": "2026-02-30"},
        settings=resolve_settings(graffiti),
        today=TODAY,
    )

    assert checked.errors == {
        "owner_name": "Name must be 20 characters or fewer",
        "removal_date": "Removal date must be a real date",
    }


def test_a_date_in_the_past_is_refused_in_plain_words(graffiti: ServiceModule[Any]) -> None:
    step = graffiti.services[0].step("owner")

    checked = check_step(
        step,
        {"owner_name": "Ms Patel", "removal_date": "2026-03-10"},
        settings=resolve_settings(graffiti),
        today=TODAY,
    )

    assert checked.errors == {"removal_date": "Date must be in the future"}


def test_no_pydantic_wording_reaches_residents(graffiti: ServiceModule[Any]) -> None:
    step = graffiti.services[0].step("graffiti")

    checked = check_step(
        step, {"surface": "wall", "offensive": "maybe", "private_property": "perhaps"},
        settings=resolve_settings(graffiti), today=TODAY,
    )  # fmt: skip

    assert checked.errors == {
        "offensive": "Select yes if the graffiti is offensive",
        "private_property": "Select yes or no",
    }


def test_location_needs_a_pin_or_a_description(graffiti: ServiceModule[Any]) -> None:
    step = graffiti.services[0].step("where")
    settings = resolve_settings(graffiti)

    nowhere = check_step(step, {}, settings=settings, today=TODAY)
    abroad = check_step(step, {"latitude": "48.85", "longitude": "2.35"}, settings=settings, today=TODAY)
    described = check_step(step, {"location_description": "Under the railway bridge"}, settings=settings)

    assert nowhere.errors == {"location_description": "Choose a location on the map or describe where it is"}
    assert abroad.errors == {"latitude": "Choose a location in the UK"}
    assert described.ok


def test_a_step_whose_condition_fails_is_skipped_and_its_answers_dropped(
    graffiti: ServiceModule[Any],
) -> None:
    service = graffiti.services[0]
    data = {
        "location_description": "Station Road",
        "surface": "wall",
        "offensive": "no",
        "private_property": "false",
        "owner_name": "Should not be kept",
    }

    checked = check_answers(service, data, settings=resolve_settings(graffiti), today=TODAY)

    assert checked.ok
    assert "owner_name" not in checked.answers
    assert [step.code for step in steps_to_ask(service, checked.answers)] == ["where", "graffiti"]


def test_a_step_whose_condition_holds_must_be_answered(graffiti: ServiceModule[Any]) -> None:
    service = graffiti.services[0]
    data = {
        "location_description": "Station Road",
        "surface": "wall",
        "offensive": "no",
        "private_property": "true",
    }

    checked = check_answers(service, data, settings=resolve_settings(graffiti), today=TODAY)

    assert checked.errors == {"owner_name": "Enter the owner's name", "removal_date": "Enter a removal date"}
    assert checked.answers == {}
