"""What counts as personal: by default every free text answer (not choices, not the map pin), unless a
module declares its own list; and an address is kept no finer than its street."""

from __future__ import annotations

import pytest

from civicshare.app import discover_modules
from civicshare.modules import PersonalData
from civicshare.privacy.erasure import street_of
from civicshare.privacy.rules import rules_from


def test_free_text_answers_are_personal_by_default_and_choices_are_not() -> None:
    rules = rules_from(discover_modules(), {"report-pothole": 6})
    pothole = rules.for_service("report-pothole")
    assert pothole.personal_answers == frozenset({"details", "location_description"})
    assert (pothole.months, pothole.set_by_council) == (6, True)
    assert rules.for_service("report-streetlight").months == 24
    unknown = rules.for_service("a-service-no-module-declares")
    assert unknown.is_personal("anything") and unknown.months == 24


def test_a_declared_period_must_be_sensible() -> None:
    with pytest.raises(ValueError, match="retention_months"):
        PersonalData(retention_months=0)


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("12 High Street, Kingston, KT1 1EU", "High Street, Kingston, KT1"),
        ("Flat 3, 12 High Street, Kingston KT1 1EU", "High Street, Kingston KT1"),
        ("Rose Cottage, Mill Lane, Ham", "Mill Lane, Ham"),
        ("Outside the library", "Outside the library"),
        (None, None),
    ],
)
def test_an_address_is_kept_no_finer_than_its_street(address: str | None, street: str | None) -> None:
    assert street_of(address) == street


def test_a_module_declares_longer_keeping_for_financial_records() -> None:
    rules = rules_from(discover_modules(), {})
    moving = rules.for_service("tell-us-you-are-moving")
    assert moving.months == 72 and "Finance Act" in moving.declared.lawful_basis
