"""The questions residents answer about permits and penalty charge notices."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from pydantic import ValidationInfo, field_validator, model_validator

from civicshare.modules import AnswerError, StepForm, UkPostcode, add_working_days, answer, answer_context
from civicshare_parking.notices import penalty_notices
from civicshare_parking.registrations import normalise_registration, registration_format
from civicshare_parking.settings import ParkingSettings

_PCN_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{8}$")


class PermitAddressForm(StepForm):
    address_line: str = answer(
        address="line",
        label="Building and street",
        hint="The address where you live and will park",
        max_length=200,
        errors={"missing": "Enter the building and street where you live"},
    )
    postcode: UkPostcode = answer(address="postcode", label="Postcode", errors={"missing": "Enter your postcode"})
    uprn: str | None = answer(
        personal=True,
        address="uprn",
        label="Unique property reference number (UPRN)",
        default=None,
        pattern=r"^[0-9]{1,12}$",
        errors={"pattern": "A unique property reference number is up to 12 digits"},
    )


class VehicleForm(StepForm):
    registration: str = answer(
        personal=True,
        label="Vehicle registration number",
        hint="For example, AB12 CDE",
        errors={"missing": "Enter your vehicle registration number"},
    )

    @field_validator("registration")
    @classmethod
    def _uk_registration(cls, value: str) -> str:
        if registration_format(value) is None:
            raise AnswerError("Enter a real vehicle registration number, like AB12 CDE")
        return normalise_registration(value)


class PermitForm(StepForm):
    zone: str = answer(
        label="Which permit zone do you live in?",
        hint="It is on the signs at the entrance to your street",
        choices_from="permit_zones",
        errors={"missing": "Select your permit zone"},
    )
    start_date: date = answer(
        label="When do you want the permit to start?",
        errors={
            "missing": "Enter the date the permit should start",
            "date": "Start date must be a real date",
        },
    )

    @field_validator("start_date")
    @classmethod
    def _soon_but_not_past(cls, value: date, info: ValidationInfo) -> date:
        context = answer_context(info)
        settings = context.settings_as(ParkingSettings)
        if value <= context.today:
            raise AnswerError("Start date must be in the future")
        if value > context.today + timedelta(days=settings.permit_latest_start_days):
            raise AnswerError(f"Start date must be within the next {settings.permit_latest_start_days} days")
        decided_by = add_working_days(context.today, settings.permit_sla_working_days)
        if value < decided_by:
            raise AnswerError(
                f"Start date must be on or after {decided_by.day} {decided_by:%B %Y}, when we will have decided"
                " your application"
            )
        return value


class PenaltyChargeForm(StepForm):
    pcn_number: str = answer(
        label="Penalty charge notice number",
        hint="It is 2 letters followed by 8 numbers, for example KN12345678",
        errors={"missing": "Enter your penalty charge notice number"},
    )
    registration: str = answer(
        personal=True,
        label="Vehicle registration number",
        hint="For example, AB12 CDE",
        errors={"missing": "Enter your vehicle registration number"},
    )

    @field_validator("pcn_number")
    @classmethod
    def _pcn_shape(cls, value: str) -> str:
        squashed = re.sub(r"\s", "", value).upper()
        if not _PCN_NUMBER.match(squashed):
            raise AnswerError("Penalty charge notice number must be 2 letters followed by 8 numbers")
        return squashed

    @field_validator("registration")
    @classmethod
    def _uk_registration(cls, value: str) -> str:
        if registration_format(value) is None:
            raise AnswerError("Enter a real vehicle registration number, like AB12 CDE")
        return normalise_registration(value)


class PayPenaltyChargeForm(PenaltyChargeForm):
    """The notice to pay must be one the council issued to that vehicle."""

    @model_validator(mode="after")
    def _a_notice_we_issued(self, info: ValidationInfo) -> PayPenaltyChargeForm:
        context = answer_context(info)
        notices = penalty_notices(context.settings_as(ParkingSettings), context.today)
        if notices.find(self.pcn_number, self.registration) is None:
            raise AnswerError(
                pcn_number="No penalty charge notice matches that number and vehicle registration number."
                " Check both and try again"
            )
        return self


class ChallengeForm(StepForm):
    grounds: Literal[
        "contravention_did_not_occur",
        "not_the_owner",
        "vehicle_stolen",
        "valid_permit_or_ticket",
        "other",
    ] = answer(
        label="Why are you challenging the penalty charge?",
        options={
            "contravention_did_not_occur": "The contravention did not happen",
            "not_the_owner": "I was not the owner of the vehicle at the time",
            "vehicle_stolen": "The vehicle had been stolen",
            "valid_permit_or_ticket": "I had a valid permit or ticket",
            "other": "Another reason",
        },
        errors={"missing": "Select why you are challenging the penalty charge", "choice": "Select a reason"},
    )
    explanation: str = answer(
        personal=True,
        label="Explain what happened",
        hint="Include anything that supports your challenge, such as where your permit was displayed",
        max_length=2000,
        errors={
            "missing": "Explain why you are challenging the penalty charge",
            "too_long": "Explanation must be 2000 characters or fewer",
        },
    )
