"""Fees come from each council's settings; photo uploads follow the service's rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from civicshare.modules import (
    Attachment,
    AttachmentPolicy,
    ServiceModule,
    Submission,
    check_attachments,
    fee_for,
    on_submitted,
    resolve_settings,
)
from civicshare.modules.flow import FeeRuleBroken


def test_the_fee_follows_the_councils_price(graffiti: ServiceModule[Any]) -> None:
    service = graffiti.services[0]
    answers = {"private_property": True}

    assert fee_for(service, answers, resolve_settings(graffiti)) == 4000
    assert fee_for(service, answers, resolve_settings(graffiti, council={"removal_fee_pence": 7500})) == 7500
    assert fee_for(service, {"private_property": False}, resolve_settings(graffiti)) is None


def test_a_fee_rule_returning_pounds_instead_of_pence_is_caught(
    graffiti: ServiceModule[Any],
) -> None:
    service = replace(graffiti.services[0], fee=lambda answers, settings: 40.0)  # type: ignore[arg-type,return-value]

    with pytest.raises(FeeRuleBroken):
        fee_for(service, {}, resolve_settings(graffiti))


def test_photos_must_be_jpg_or_png_and_small_enough(graffiti: ServiceModule[Any]) -> None:
    service = replace(graffiti.services[0], attachments=AttachmentPolicy(max_count=2, max_bytes=5 * 1024 * 1024))
    files = [
        Attachment("pothole.heic", "image/heic", 1000),
        Attachment("pothole.jpg", "image/jpeg", 6 * 1024 * 1024),
        Attachment("pothole.png", "image/png", 1000),
    ]

    assert check_attachments(service, files) == {"attachments": "You can only upload 2 photos"}
    assert check_attachments(service, files[:2]) == {
        "attachments.0": "The selected file must be a JPG, PNG or HEIC",
        "attachments.1": "The selected file must be smaller than 5MB",
    }
    assert check_attachments(service, files[2:]) == {}


def test_a_service_without_attachments_refuses_files(graffiti: ServiceModule[Any]) -> None:
    assert check_attachments(graffiti.services[0], [Attachment("a.jpg", "image/jpeg", 10)]) == {
        "attachments": "You cannot upload files for this service"
    }


def test_a_service_without_an_on_submitted_hook_derives_nothing(
    graffiti: ServiceModule[Any],
) -> None:
    submission = Submission("KNG-2026-000123", datetime(2026, 3, 9, tzinfo=UTC), "kingston")

    assert on_submitted(graffiti.services[0], {}, resolve_settings(graffiti), submission) == {}
