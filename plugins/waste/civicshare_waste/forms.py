"""The questions residents answer about their bins."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import ValidationInfo, field_validator

from civicshare.modules import AnswerError, StepForm, UkPostcode, answer, answer_context
from civicshare_waste.settings import WasteSettings


class AddressForm(StepForm):
    address_line: str = answer(
        personal=True,
        address="line",
        label="Building and street",
        max_length=200,
        errors={
            "missing": "Enter the building and street",
            "too_long": "Building and street must be 200 characters or fewer",
        },
    )
    postcode: UkPostcode = answer(
        personal=True,
        address="postcode",
        label="Postcode",
        errors={"missing": "Enter a postcode", "invalid": "Enter a full UK postcode, like AA3 1AB"},
    )
    uprn: str | None = answer(
        personal=True,
        address="uprn",
        label="Unique property reference number (UPRN)",
        default=None,
        pattern=r"^[0-9]{1,12}$",
        errors={"pattern": "A unique property reference number is up to 12 digits"},
    )


class MissedBinForm(StepForm):
    bin_type: str = answer(
        label="Which bin was missed?",
        choices_from="bin_types",
        errors={"missing": "Select which bin was missed"},
    )
    collection_date: date = answer(
        label="When should it have been collected?",
        hint="For example, 27 3 2026",
        errors={
            "missing": "Enter the date it should have been collected",
            "date": "Collection date must be a real date",
        },
    )

    @field_validator("collection_date")
    @classmethod
    def _recent_past(cls, value: date, info: ValidationInfo) -> date:
        context = answer_context(info)
        settings = context.settings_as(WasteSettings)
        if value > context.today:
            raise AnswerError("Collection date must be today or in the past")
        if value < context.today - timedelta(days=settings.missed_bin_report_within_days):
            raise AnswerError(
                f"You can only report a missed bin within {settings.missed_bin_report_within_days} "
                "days of collection day"
            )
        return value


class NewBinForm(StepForm):
    bin_type: str = answer(
        label="Which bin do you need?",
        choices_from="bin_types",
        errors={"missing": "Select which bin you need"},
    )
    reason: Literal["new_property", "damaged", "stolen", "extra"] = answer(
        label="Why do you need a bin?",
        options={
            "new_property": "I have moved into a new property",
            "damaged": "My bin is damaged",
            "stolen": "My bin was stolen or lost",
            "extra": "I need an extra bin",
        },
        errors={"missing": "Select why you need a bin", "choice": "Select why you need a bin"},
    )


class GardenWasteForm(StepForm):
    bins: int = answer(
        label="How many garden waste bins do you want?",
        errors={
            "missing": "Enter how many bins you want",
            "number": "Number of bins must be a whole number, like 2",
            "too_small": "You must order at least 1 bin",
        },
        ge=1,
    )
    start_date: date = answer(
        label="When do you want your subscription to start?",
        hint="For example, 1 4 2026",
        errors={"missing": "Enter a start date", "date": "Start date must be a real date"},
    )

    @field_validator("bins")
    @classmethod
    def _within_council_limit(cls, value: int, info: ValidationInfo) -> int:
        settings = answer_context(info).settings_as(WasteSettings)
        if value > settings.garden_waste_max_bins:
            raise AnswerError(f"You can have up to {settings.garden_waste_max_bins} garden waste bins")
        return value

    @field_validator("start_date")
    @classmethod
    def _in_the_future(cls, value: date, info: ValidationInfo) -> date:
        context = answer_context(info)
        settings = context.settings_as(WasteSettings)
        if value <= context.today:
            raise AnswerError("Start date must be in the future")
        earliest = context.today + timedelta(days=settings.garden_waste_earliest_start_days)
        if value < earliest:
            raise AnswerError(f"Start date must be on or after {earliest:%-d %B %Y}")
        if value > context.today + timedelta(days=365):
            raise AnswerError("Start date must be within the next 12 months")
        return value
