"""Parking permits and penalty charge notices."""

from __future__ import annotations

from datetime import date

import pytest
from civicshare_parking import module
from civicshare_parking.registrations import registration_format
from civicshare_parking.services import challenge_penalty_charge, pay_penalty_charge, resident_parking_permit

from civicshare.modules import ModuleRegistry, check_answers, check_step, fee_for, resolve_settings

TODAY = date(2026, 3, 10)


def test_parking_is_registered_as_a_plugin() -> None:
    assert "parking" in ModuleRegistry.discover(core_version="0.1.0")


@pytest.mark.parametrize(
    ("registration", "kind"),
    [
        ("AB12 CDE", "current"),
        ("a123 bcd", "prefix"),
        ("ABC 123D", "suffix"),
        ("1 ABC", "dateless"),
        ("ABC 1234", "dateless"),
    ],
)
def test_every_uk_registration_format_is_recognised(registration: str, kind: str) -> None:
    assert registration_format(registration) == kind


def test_a_permit_in_a_councils_zone_is_priced_by_that_zone() -> None:
    settings = resolve_settings(
        module,
        council={
            "permit_zones": [
                {"value": "K1", "label": "Kingston town centre"},
                {"value": "K2", "label": "Norbiton"},
            ],
            "zone_permit_prices_pence": {"K1": 16000},
        },
    )
    town_centre = {"registration": "ab12 cde", "zone": "K1", "start_date": "2026-03-20"}

    checked = check_answers(resident_parking_permit, town_centre, settings=settings, today=TODAY)

    assert checked.ok
    assert checked.answers["registration"] == "AB12CDE"
    assert fee_for(resident_parking_permit, checked.answers, settings) == 16000
    assert fee_for(resident_parking_permit, {**checked.answers, "zone": "K2"}, settings) == 8000


def test_a_zone_another_council_uses_is_refused() -> None:
    answers = {"registration": "AB12CDE", "zone": "A", "start_date": "2026-03-20"}
    settings = resolve_settings(module, council={"permit_zones": [{"value": "K1", "label": "Kingston"}]})

    checked = check_answers(resident_parking_permit, answers, settings=settings, today=TODAY)

    assert checked.errors == {"zone": "Select your permit zone"}


def test_a_made_up_registration_and_a_past_start_date_are_refused() -> None:
    answers = {"registration": "NOT A CAR", "zone": "A", "start_date": "2026-03-01"}

    checked = check_answers(resident_parking_permit, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {
        "registration": "Enter a real vehicle registration number, like AB12 CDE",
        "start_date": "Start date must be in the future",
    }


def test_an_empty_registration_asks_for_it() -> None:
    step = resident_parking_permit.step("vehicle")

    checked = check_step(step, {"registration": ""}, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"registration": "Enter your vehicle registration number"}


def test_a_penalty_charge_number_must_be_two_letters_and_eight_digits() -> None:
    settings = resolve_settings(module)

    good = check_answers(
        pay_penalty_charge, {"pcn_number": "kn 1234 5678", "registration": "AB12CDE"}, settings=settings
    )
    short = check_answers(pay_penalty_charge, {"pcn_number": "KN1234567", "registration": "AB12CDE"}, settings=settings)

    assert good.answers["pcn_number"] == "KN12345678"
    assert short.errors == {"pcn_number": "Penalty charge notice number must be 2 letters followed by 8 numbers"}


def test_paying_a_penalty_charge_costs_the_councils_amount_and_is_online_only() -> None:
    answers = {"pcn_number": "KN12345678", "registration": "AB12CDE"}

    assert fee_for(pay_penalty_charge, answers, resolve_settings(module)) == 7000
    assert (
        fee_for(pay_penalty_charge, answers, resolve_settings(module, council={"penalty_charge_pence": 13000})) == 13000
    )
    assert pay_penalty_charge.online_only
    assert not pay_penalty_charge.counts_toward_channel_shift


def test_challenging_a_penalty_charge_counts_toward_channel_shift_and_needs_an_explanation() -> None:
    answers = {"pcn_number": "KN12345678", "registration": "AB12CDE", "grounds": "valid_permit_or_ticket"}

    checked = check_answers(challenge_penalty_charge, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"explanation": "Explain why you are challenging the penalty charge"}
    assert challenge_penalty_charge.counts_toward_channel_shift
    assert not challenge_penalty_charge.online_only
