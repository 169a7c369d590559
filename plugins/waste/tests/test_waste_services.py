"""Bins: missed collections, new bins and the paid garden waste subscription."""

from __future__ import annotations

from datetime import date

from civicshare_waste import module
from civicshare_waste.services import garden_waste_subscription, order_bin, report_missed_bin

from civicshare.modules import ModuleRegistry, check_answers, fee_for, resolve_settings

TODAY = date(2026, 3, 10)
ADDRESS = {"address_line": "12 Acacia Avenue", "postcode": "kt1 1eu"}


def test_waste_is_registered_as_a_plugin() -> None:
    assert "waste" in ModuleRegistry.discover(core_version="0.1.0")


def test_garden_waste_costs_the_councils_price_per_bin() -> None:
    answers = {**ADDRESS, "bins": "2", "start_date": "2026-04-01"}
    fifty_pound_council = resolve_settings(module)
    sixty_five_pound_council = resolve_settings(module, council={"garden_waste_price_per_bin_pence": 6500})

    checked = check_answers(garden_waste_subscription, answers, settings=fifty_pound_council, today=TODAY)

    assert checked.ok
    assert fee_for(garden_waste_subscription, checked.answers, fifty_pound_council) == 10000
    assert fee_for(garden_waste_subscription, checked.answers, sixty_five_pound_council) == 13000


def test_a_garden_waste_subscription_cannot_start_in_the_past() -> None:
    answers = {**ADDRESS, "bins": "1", "start_date": "2026-03-01"}

    checked = check_answers(garden_waste_subscription, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"start_date": "Start date must be in the future"}


def test_a_resident_cannot_order_more_garden_bins_than_the_council_allows() -> None:
    answers = {**ADDRESS, "bins": "3", "start_date": "2026-04-01"}
    settings = resolve_settings(module, council={"garden_waste_max_bins": 2})

    checked = check_answers(garden_waste_subscription, answers, settings=settings, today=TODAY)

    assert checked.errors == {"bins": "You can have up to 2 garden waste bins"}


def test_zero_bins_and_words_for_numbers_are_refused_in_plain_english() -> None:
    settings = resolve_settings(module)
    order = {**ADDRESS, "start_date": "2026-04-01"}

    zero = check_answers(garden_waste_subscription, {**order, "bins": "0"}, settings=settings, today=TODAY)
    words = check_answers(garden_waste_subscription, {**order, "bins": "two"}, settings=settings, today=TODAY)

    assert zero.errors == {"bins": "You must order at least 1 bin"}
    assert words.errors == {"bins": "Number of bins must be a whole number, like 2"}


def test_a_postcode_is_tidied_and_a_bad_one_is_refused() -> None:
    settings = resolve_settings(module)
    report = {**ADDRESS, "bin_type": "recycling", "collection_date": "2026-03-09"}

    good = check_answers(report_missed_bin, report, settings=settings, today=TODAY)
    bad = check_answers(report_missed_bin, {**report, "postcode": "KT1"}, settings=settings, today=TODAY)

    assert good.answers["postcode"] == "KT1 1EU"
    assert bad.errors == {"postcode": "Enter a full UK postcode, like AA3 1AB"}


def test_a_missed_bin_from_last_month_is_too_late_to_report() -> None:
    answers = {**ADDRESS, "bin_type": "rubbish", "collection_date": "2026-02-10"}

    checked = check_answers(report_missed_bin, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {"collection_date": "You can only report a missed bin within 2 days of collection day"}


def test_replacement_bins_are_free_unless_the_council_charges() -> None:
    answers = {"bin_type": "rubbish", "reason": "damaged"}

    assert fee_for(order_bin, answers, resolve_settings(module)) is None
    assert fee_for(order_bin, answers, resolve_settings(module, council={"bin_delivery_fee_pence": 2500})) == 2500


def test_garden_waste_is_paid_before_it_is_received() -> None:
    assert garden_waste_subscription.workflow.initial == "awaiting_payment"
    assert garden_waste_subscription.counts_toward_channel_shift
