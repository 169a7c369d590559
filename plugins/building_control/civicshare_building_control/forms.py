"""The questions a builder or home owner answers to book a site inspection."""

from __future__ import annotations

import re
from datetime import date

from pydantic import ValidationInfo, field_validator

from civicshare.modules import (
    AnswerError,
    StepForm,
    add_working_days,
    answer,
    answer_context,
    is_uk_phone_number,
    is_working_day,
)
from civicshare_building_control.settings import BuildingControlSettings


class ApplicationForm(StepForm):
    application_reference: str = answer(
        label="Building control application reference",
        hint="It is on the letter or email confirming your application",
        errors={"missing": "Enter your building control application reference"},
    )

    @field_validator("application_reference")
    @classmethod
    def _council_format(cls, value: str, info: ValidationInfo) -> str:
        settings = answer_context(info).settings_as(BuildingControlSettings)
        squashed = re.sub(r"\s", "", value).upper()
        if not re.fullmatch(settings.application_reference_pattern, squashed):
            raise AnswerError(
                f"Enter the application reference as it appears on your letter, "
                f"like {settings.application_reference_example}"
            )
        return squashed


class InspectionForm(StepForm):
    inspection_type: str = answer(
        label="What stage of work needs inspecting?",
        choices_from="inspection_types",
        errors={"missing": "Select the stage of work that needs inspecting"},
    )
    preferred_date: date = answer(
        label="What date would you like the inspection?",
        hint="Choose a weekday; we will confirm the date and time",
        errors={
            "missing": "Enter the date you would like the inspection",
            "date": "Inspection date must be a real date",
        },
    )
    site_contact_name: str = answer(
        personal=True,
        label="Name of the person on site",
        max_length=100,
        errors={"missing": "Enter the name of the person on site"},
    )
    site_contact_phone: str = answer(
        personal=True,
        label="Phone number of the person on site",
        hint="For example, 07700 900 982",
        errors={"missing": "Enter a phone number for the person on site"},
    )

    @field_validator("preferred_date")
    @classmethod
    def _within_booking_window(cls, value: date, info: ValidationInfo) -> date:
        context = answer_context(info)
        settings = context.settings_as(BuildingControlSettings)
        if value <= context.today:
            raise AnswerError("Inspection date must be in the future")
        if not is_working_day(value):
            raise AnswerError("Choose a weekday that is not a bank holiday")
        latest = add_working_days(context.today, settings.booking_window_working_days)
        if value > latest:
            raise AnswerError(f"Inspection date must be on or before {latest:%-d %B %Y}")
        return value

    @field_validator("site_contact_phone")
    @classmethod
    def _uk_phone(cls, value: str) -> str:
        if not is_uk_phone_number(value):
            raise AnswerError("Enter a UK phone number, like 07700 900 982")
        return value
