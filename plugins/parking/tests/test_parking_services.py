"""Parking permits and penalty charge notices."""

from __future__ import annotations

from datetime import date

import pytest
from civicshare_parking import module
from civicshare_parking.registrations import registration_format
from civicshare_parking.services import challenge_penalty_charge, pay_penalty_charge, resident_parking_permit

from civicshare.modules import (
    ModuleRegistry,
    check_answers,
    check_step,
    fee_for,
    ineligible,
    resolve_settings,
)

TODAY = date(2026, 3, 10)  # a Tuesday: 5 working days on is Tuesday 17 March
ADDRESS = {"address_line": "4 Fairfield Road", "postcode": "KT1 2PT"}


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
    town_centre = {**ADDRESS, "registration": "ab12 cde", "zone": "K1", "start_date": "2026-03-20"}

    checked = check_answers(resident_parking_permit, town_centre, settings=settings, today=TODAY)

    assert checked.ok
    assert checked.answers["registration"] == "AB12CDE"
    assert fee_for(resident_parking_permit, checked.answers, settings) == 16000
    assert fee_for(resident_parking_permit, {**checked.answers, "zone": "K2"}, settings) == 8000


def test_a_zone_another_council_uses_is_refused() -> None:
    answers = {**ADDRESS, "registration": "AB12CDE", "zone": "A", "start_date": "2026-03-20"}
    settings = resolve_settings(module, council={"permit_zones": [{"value": "K1", "label": "Kingston"}]})

    checked = check_answers(resident_parking_permit, answers, settings=settings, today=TODAY)

    assert checked.errors == {"zone": "Select your permit zone"}


def test_a_made_up_registration_and_a_past_start_date_are_refused() -> None:
    answers = {**ADDRESS, "registration": "NOT A CAR", "zone": "A", "start_date": "2026-03-01"}

    checked = check_answers(resident_parking_permit, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {
        "registration": "Enter a real vehicle registration number, like AB12 CDE",
        "start_date": "Start date must be in the future",
    }


def test_a_permit_cannot_start_before_the_council_can_have_decided_it() -> None:
    settings = resolve_settings(module)
    answers = {**ADDRESS, "registration": "AB12CDE", "zone": "A"}

    too_soon = check_answers(
        resident_parking_permit, {**answers, "start_date": "2026-03-16"}, settings=settings, today=TODAY
    )
    decided = check_answers(
        resident_parking_permit, {**answers, "start_date": "2026-03-17"}, settings=settings, today=TODAY
    )

    assert too_soon.errors == {
        "start_date": "Start date must be on or after 17 March 2026, when we will have decided your application"
    }
    assert decided.ok


def test_an_address_outside_the_councils_permit_zones_is_not_eligible() -> None:
    settings = resolve_settings(
        module, council={"permit_zone_postcodes": ["KT1 2", "KT2"], "permit_zone_streets": ["Fairfield Road"]}
    )
    permit = {"registration": "AB12CDE", "zone": "A", "start_date": "2026-03-20"}

    def rule_for(address_line: str, postcode: str) -> str | None:
        answers = {**permit, "address_line": address_line, "postcode": postcode}
        checked = check_answers(resident_parking_permit, answers, settings=settings, today=TODAY)
        found = ineligible(resident_parking_permit, checked.answers, settings)
        return found.code if found else None

    assert rule_for("1 High Street", "KT1 2AB") is None  # by its postcode's start
    assert rule_for("1 High Street", "KT2 6QS") is None  # a whole outward code
    assert rule_for("12, Fairfield Road", "SW1A 1AA") is None  # by its street
    assert rule_for("1 High Street", "KT21 5AB") == "outside-permit-zone"  # KT21 is not KT2
    assert rule_for("1 Fairfield Roadside", "SW1A 1AA") == "outside-permit-zone"
    # A council that lists no zone addresses lets any address apply.
    assert ineligible(resident_parking_permit, {**permit, **ADDRESS}, resolve_settings(module)) is None


def test_an_empty_registration_asks_for_it() -> None:
    step = resident_parking_permit.step("vehicle")

    checked = check_step(step, {"registration": ""}, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"registration": "Enter your vehicle registration number"}


def test_a_penalty_charge_number_must_be_two_letters_and_eight_digits() -> None:
    settings = resolve_settings(module)

    good = check_answers(
        pay_penalty_charge, {"pcn_number": "dm 0000 0001", "registration": "ab12 cde"}, settings=settings
    )
    short = check_answers(pay_penalty_charge, {"pcn_number": "KN1234567", "registration": "AB12CDE"}, settings=settings)

    assert good.answers["pcn_number"] == "DM00000001"
    assert short.errors == {"pcn_number": "Penalty charge notice number must be 2 letters followed by 8 numbers"}


def test_a_penalty_charge_to_pay_must_be_a_notice_the_council_issued_to_that_vehicle() -> None:
    settings = resolve_settings(module)
    message = "No penalty charge notice matches that number and vehicle registration number. Check both and try again"

    unknown = check_answers(
        pay_penalty_charge, {"pcn_number": "KN12345678", "registration": "AB12CDE"}, settings=settings
    )
    other_vehicle = check_answers(
        pay_penalty_charge, {"pcn_number": "DM00000001", "registration": "CD34EFG"}, settings=settings
    )

    assert unknown.errors == {"pcn_number": message}
    assert other_vehicle.errors == {"pcn_number": message}


def test_a_penalty_charge_paid_within_14_days_of_issue_is_half_price_and_online_only() -> None:
    recent = {"pcn_number": "DM00000001", "registration": "AB12CDE"}  # issued 3 days ago
    old = {"pcn_number": "DM00000002", "registration": "AB12CDE"}  # issued 30 days ago
    london = resolve_settings(module, council={"penalty_charge_pence": 13000})

    assert fee_for(pay_penalty_charge, recent, resolve_settings(module)) == 3500
    assert fee_for(pay_penalty_charge, old, resolve_settings(module)) == 7000
    assert fee_for(pay_penalty_charge, recent, london) == 6500
    assert fee_for(pay_penalty_charge, old, london) == 13000
    assert pay_penalty_charge.payment_kind == "payment"
    assert pay_penalty_charge.online_only
    assert not pay_penalty_charge.counts_toward_channel_shift


def test_challenging_a_penalty_charge_counts_toward_channel_shift_and_needs_an_explanation() -> None:
    answers = {"pcn_number": "KN12345678", "registration": "AB12CDE", "grounds": "valid_permit_or_ticket"}

    checked = check_answers(challenge_penalty_charge, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"explanation": "Explain why you are challenging the penalty charge"}
    assert challenge_penalty_charge.counts_toward_channel_shift
    assert not challenge_penalty_charge.online_only
