"""Residents report highways problems; each council sets its own response times."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civicshare_highways import module
from civicshare_highways.services import report_fly_tipping, report_pothole, report_streetlight

from civicshare.modules import ModuleRegistry, check_answers, fee_for, resolve_settings, respond_by

TODAY = date(2026, 3, 10)


def test_highways_is_registered_as_a_plugin() -> None:
    registry = ModuleRegistry.discover(core_version="0.1.0")

    assert registry.module("highways").title == "Highways"


def test_a_resident_reports_a_pothole_with_a_map_pin_for_free() -> None:
    answers = {"latitude": "51.41", "longitude": "-0.30", "size": "large", "on": "road"}

    checked = check_answers(report_pothole, answers, settings=resolve_settings(module), today=TODAY)

    assert checked.ok
    assert checked.answers["size"] == "large"
    assert fee_for(report_pothole, checked.answers, resolve_settings(module)) is None


def test_a_pothole_report_needs_a_location_and_a_size() -> None:
    checked = check_answers(report_pothole, {"on": "road"}, settings=resolve_settings(module), today=TODAY)

    assert checked.errors == {
        "location_description": "Choose a location on the map or describe where it is",
        "size": "Select how big the pothole is",
    }


def test_a_council_offers_its_own_streetlight_faults() -> None:
    settings = resolve_settings(
        module, council={"streetlight_faults": [{"value": "out", "label": "Light not working"}]}
    )
    answers = {"location_description": "Outside 4 Mill Lane", "fault": "flickering"}

    checked = check_answers(report_streetlight, answers, settings=settings, today=TODAY)

    assert checked.errors == {"fault": "Select what is wrong with the streetlight"}


def test_every_highways_report_counts_toward_channel_shift_and_takes_photos() -> None:
    for service in module.services:
        assert service.counts_toward_channel_shift
        assert not service.online_only
        assert service.location_required
        assert service.attachments is not None
        assert not service.attachments.required


def test_fly_tipping_is_due_sooner_where_the_council_says_so() -> None:
    submitted = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday

    default = respond_by(report_fly_tipping, resolve_settings(module), submitted)
    quicker = respond_by(
        report_fly_tipping, resolve_settings(module, council={"fly_tipping_sla_working_days": 2}), submitted
    )

    assert (default, quicker) == (date(2026, 3, 16), date(2026, 3, 11))


def test_the_pothole_service_is_offered_to_open311_clients() -> None:
    declared = report_pothole.open311
    assert declared is not None
    assert declared.as_service_list_entry(metadata=True)["service_code"] == "report-pothole"
    assert [attribute.code for attribute in declared.attributes] == ["size"]
    # A client that sends no attributes is not refused: an inspector sizes the pothole on site.
    assert declared.defaults == {"size": "medium", "on": "road"}
