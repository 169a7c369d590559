"""Council tax: single person discount, moving home (new account the same day), paying."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civicshare_council_tax import module
from civicshare_council_tax.services import pay_council_tax, single_person_discount, tell_us_you_are_moving

from civicshare.modules import (
    ModuleRegistry,
    Submission,
    check_answers,
    fee_for,
    ineligible,
    on_submitted,
    resolve_settings,
    steps_to_ask,
)

TODAY = date(2026, 3, 10)
MOVING_WITHIN = {
    "account_number": "1234 5678",
    "move_type": "within",
    "moving_date": "2026-03-20",
    "new_address_line": "3 Market Place",
    "new_postcode": "KT1 1JS",
}


def test_council_tax_is_registered_as_a_plugin() -> None:
    assert "council_tax" in ModuleRegistry.discover(core_version="0.1.0")


def test_a_resident_moving_within_the_borough_gets_a_new_account_the_same_day() -> None:
    settings = resolve_settings(module)
    checked = check_answers(tell_us_you_are_moving, MOVING_WITHIN, settings=settings, today=TODAY)
    # 22:15 UTC on 10 March is still 10 March in the UK.
    submission = Submission("KNG-2026-000123", datetime(2026, 3, 10, 22, 15, tzinfo=UTC), "kingston")

    derived = on_submitted(tell_us_you_are_moving, checked.answers, settings, submission)

    assert checked.ok
    assert derived == {
        "new_account_reference": "92026000123",
        "account_opened_on": "2026-03-10",
        "liable_from": "2026-03-20",
    }


def test_a_resident_leaving_the_area_is_asked_for_a_forwarding_address_not_a_new_home() -> None:
    data = {"account_number": "12345678", "move_type": "out_of", "moving_date": "2026-03-20"}

    checked = check_answers(tell_us_you_are_moving, data, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"forwarding_address": "Enter the address for your final bill"}
    assert [step.code for step in steps_to_ask(tell_us_you_are_moving, data)] == [
        "account",
        "move",
        "forwarding-address",
    ]


def test_an_account_number_in_another_councils_format_is_refused() -> None:
    settings = resolve_settings(
        module, council={"account_number_pattern": r"^[0-9]{10}$", "account_number_example": "5001234567"}
    )
    data = {"account_number": "12345678", "living_alone_since": "2026-01-01", "other_adults": "no"}

    checked = check_answers(single_person_discount, data, settings=settings, today=TODAY)

    assert checked.errors == {
        "account_number": "Enter your council tax account number as it appears on your bill, like 5001234567"
    }


def test_the_other_adult_question_is_only_asked_when_someone_else_lives_there() -> None:
    alone = {"account_number": "12345678", "living_alone_since": "2026-01-01", "other_adults": "no"}
    with_student = {**alone, "other_adults": "yes"}
    settings = resolve_settings(module)

    assert check_answers(single_person_discount, alone, settings=settings, today=TODAY).ok
    assert check_answers(single_person_discount, with_student, settings=settings, today=TODAY).errors == {
        "other_adult_status": "Select which describes the other adult"
    }


def test_paying_council_tax_charges_the_amount_the_resident_typed_in_pounds() -> None:
    data = {"account_number": "12345678", "amount": "£125.50"}
    settings = resolve_settings(module)

    checked = check_answers(pay_council_tax, data, settings=settings, today=TODAY)

    assert fee_for(pay_council_tax, checked.answers, settings) == 12550
    assert pay_council_tax.online_only
    assert not pay_council_tax.counts_toward_channel_shift


def test_a_payment_above_the_councils_online_limit_is_refused() -> None:
    settings = resolve_settings(module, council={"max_online_payment_pence": 100_000})

    checked = check_answers(pay_council_tax, {"account_number": "12345678", "amount": "1500"}, settings=settings)

    assert checked.errors == {"amount": "Amount must be £1,000.00 or less"}


def test_an_invalid_account_pattern_in_settings_is_reported_to_the_operator() -> None:
    from civicshare.modules import settings_problems

    problems = settings_problems(module, council={"account_number_pattern": "[0-9"})

    assert [problem.path for problem in problems] == ["account_number_pattern"]


def test_a_new_home_postcode_is_tidied_and_a_bad_one_is_refused() -> None:
    settings = resolve_settings(module)
    moving = {**MOVING_WITHIN, "new_postcode": "kt1 1js"}

    good = check_answers(tell_us_you_are_moving, moving, settings=settings, today=TODAY)
    bad = check_answers(tell_us_you_are_moving, {**moving, "new_postcode": "KT1"}, settings=settings, today=TODAY)

    assert good.answers["new_postcode"] == "KT1 1JS"
    assert bad.errors["new_postcode"] == "Enter a full UK postcode, like AA3 1AB"


def test_another_adult_who_counts_for_council_tax_rules_out_a_single_person_discount() -> None:
    settings = resolve_settings(module)
    living_with = {"account_number": "12345678", "living_alone_since": "2026-02-01", "other_adults": "yes"}

    def rule_for(other_adult_status: str | None) -> str | None:
        given = {**living_with, "other_adult_status": other_adult_status} if other_adult_status else living_with
        found = ineligible(single_person_discount, given, settings)
        return found.code if found else None

    assert rule_for(None) is None  # not asked yet: the resident may go on
    assert rule_for("full_time_student") is None  # students are not counted
    assert rule_for("none") == "another-adult"
    assert single_person_discount.eligibility_rule("another-adult").step == "other-adult"


def test_paying_council_tax_is_a_payment_not_a_fee() -> None:
    assert pay_council_tax.payment_kind == "payment"
    assert single_person_discount.payment_kind == "fee"
