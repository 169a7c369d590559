"""Booking a building control site inspection."""

from __future__ import annotations

from datetime import date

from civicshare_building_control import module
from civicshare_building_control.services import request_site_inspection

from civicshare.modules import ModuleRegistry, check_answers, fee_for, resolve_settings

TODAY = date(2026, 3, 10)  # a Tuesday
BOOKING = {
    "application_reference": "bc/2026/01234",
    "inspection_type": "foundations",
    "preferred_date": "2026-03-12",
    "site_contact_name": "Sam Builder",
    "site_contact_phone": "07700 900 982",
}


def test_building_control_is_registered_as_a_plugin() -> None:
    assert "building_control" in ModuleRegistry.discover(core_version="0.1.0")


def test_a_builder_books_a_foundations_inspection_for_this_week() -> None:
    checked = check_answers(request_site_inspection, BOOKING, settings=resolve_settings(module), today=TODAY)

    assert checked.ok
    assert checked.answers["application_reference"] == "BC/2026/01234"
    assert fee_for(request_site_inspection, checked.answers, resolve_settings(module)) is None


def test_an_inspection_beyond_the_councils_booking_window_is_refused() -> None:
    settings = resolve_settings(module, council={"booking_window_working_days": 3})

    checked = check_answers(
        request_site_inspection, {**BOOKING, "preferred_date": "2026-03-16"}, settings=settings, today=TODAY
    )

    assert checked.errors == {"preferred_date": "Inspection date must be on or before 13 March 2026"}


def test_an_inspection_on_a_weekend_or_bank_holiday_is_refused() -> None:
    settings = resolve_settings(module)

    saturday = {**BOOKING, "preferred_date": "2026-03-14"}
    good_friday = {**BOOKING, "preferred_date": "2026-04-03"}

    on_saturday = check_answers(request_site_inspection, saturday, settings=settings, today=TODAY)
    on_good_friday = check_answers(request_site_inspection, good_friday, settings=settings, today=date(2026, 3, 30))

    assert on_saturday.errors == {"preferred_date": "Choose a weekday that is not a bank holiday"}
    assert on_good_friday.errors == {"preferred_date": "Choose a weekday that is not a bank holiday"}


def test_only_the_councils_inspection_types_can_be_chosen() -> None:
    settings = resolve_settings(module, council={"inspection_types": [{"value": "completion", "label": "Completion"}]})

    checked = check_answers(request_site_inspection, BOOKING, settings=settings, today=TODAY)

    assert checked.errors == {"inspection_type": "Select the stage of work that needs inspecting"}


def test_a_reference_in_the_wrong_format_and_a_bad_phone_number_are_refused() -> None:
    data = {**BOOKING, "application_reference": "12345", "site_contact_phone": "12"}

    checked = check_answers(request_site_inspection, data, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {
        "application_reference": ("Enter the application reference as it appears on your letter, like BC/2026/01234"),
        "site_contact_phone": "Enter a UK phone number, like 07700 900 982",
    }
