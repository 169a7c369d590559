"""The questions residents answer about their council tax."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from pydantic import ValidationInfo, field_validator

from civicshare.modules import (
    AnswerError,
    StepForm,
    UkPostcode,
    answer,
    answer_context,
    pounds_to_pence,
)
from civicshare_council_tax.settings import CouncilTaxSettings


class AccountForm(StepForm):
    account_number: str = answer(
        personal=True,
        label="Council tax account number",
        hint="It is at the top of your council tax bill",
        errors={"missing": "Enter your council tax account number"},
    )

    @field_validator("account_number")
    @classmethod
    def _council_format(cls, value: str, info: ValidationInfo) -> str:
        settings = answer_context(info).settings_as(CouncilTaxSettings)
        squashed = re.sub(r"\s", "", value)
        if not re.fullmatch(settings.account_number_pattern, squashed):
            raise AnswerError(
                "Enter your council tax account number as it appears on your bill, "
                f"like {settings.account_number_example}"
            )
        return squashed


class LivingAloneForm(StepForm):
    living_alone_since: date = answer(
        personal=True,
        label="When did you start living on your own?",
        hint="For example, 1 2 2026",
        errors={
            "missing": "Enter the date you started living on your own",
            "date": "The date you started living on your own must be a real date",
        },
    )
    other_adults: Literal["no", "yes"] = answer(
        personal=True,
        label="Does anyone else aged 18 or over live with you?",
        options={"yes": "Yes", "no": "No"},
        errors={
            "missing": "Select yes if anyone else aged 18 or over lives with you",
            "choice": "Select yes or no",
        },
    )

    @field_validator("living_alone_since")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > answer_context(info).today:
            raise AnswerError("The date you started living on your own must be today or in the past")
        return value


class DisregardedAdultsForm(StepForm):
    """Asked only when another adult lives there: some adults are not counted for council tax."""

    other_adult_status: Literal["full_time_student", "carer", "severely_mentally_impaired", "none"] = answer(
        personal=True,
        label="Which of these describes the other adult?",
        options={
            "full_time_student": "Full-time student",
            "carer": "Carer",
            "severely_mentally_impaired": "Severely mentally impaired",
            "none": "None of these",
        },
        errors={
            "missing": "Select which describes the other adult",
            "choice": "Select which describes the other adult",
        },
    )


class MoveForm(StepForm):
    move_type: Literal["within", "into", "out_of"] = answer(
        label="Where are you moving?",
        options={
            "within": "Within the council's area",
            "into": "Into the council's area",
            "out_of": "Out of the council's area",
        },
        errors={"missing": "Select where you are moving", "choice": "Select where you are moving"},
    )
    moving_date: date = answer(
        personal=True,
        label="What date are you moving?",
        errors={"missing": "Enter the date you are moving", "date": "Moving date must be a real date"},
    )

    @field_validator("moving_date")
    @classmethod
    def _recent_or_soon(cls, value: date, info: ValidationInfo) -> date:
        context = answer_context(info)
        settings = context.settings_as(CouncilTaxSettings)
        if value < context.today - timedelta(days=settings.move_backdate_limit_days):
            raise AnswerError(
                f"Moving date must be within the last {settings.move_backdate_limit_days} days - "
                "call us about earlier moves"
            )
        if value > context.today + timedelta(days=90):
            raise AnswerError("Moving date must be within the next 90 days")
        return value


class NewAddressForm(StepForm):
    new_address_line: str = answer(
        personal=True,
        address="line",
        label="Building and street of your new home",
        max_length=200,
        errors={"missing": "Enter the building and street of your new home"},
    )
    new_postcode: UkPostcode = answer(
        personal=True, address="postcode", label="Postcode of your new home", errors={"missing": "Enter a postcode"}
    )
    new_uprn: str | None = answer(
        personal=True,
        address="uprn",
        label="Unique property reference number (UPRN) of your new home",
        default=None,
        pattern=r"^[0-9]{1,12}$",
        errors={"pattern": "A unique property reference number is up to 12 digits"},
    )


class ForwardingAddressForm(StepForm):
    forwarding_address: str = answer(
        personal=True,
        label="Where should we send your final bill?",
        max_length=300,
        errors={"missing": "Enter the address for your final bill"},
    )


class PaymentForm(StepForm):
    amount: int = answer(
        label="How much do you want to pay?",
        hint="In pounds and pence, for example 125.50",
        errors={"missing": "Enter how much you want to pay"},
    )
    """Typed in pounds and pence, held in pence."""

    @field_validator("amount", mode="before")
    @classmethod
    def _pounds_and_pence(cls, value: object, info: ValidationInfo) -> int:
        settings = answer_context(info).settings_as(CouncilTaxSettings)
        pence = value if isinstance(value, int) else pounds_to_pence(str(value))
        if pence is None:
            raise AnswerError("Amount must be in pounds and pence, like 125.50")
        if pence < 100:
            raise AnswerError("Amount must be £1 or more")
        if pence > settings.max_online_payment_pence:
            raise AnswerError(f"Amount must be £{settings.max_online_payment_pence / 100:,.2f} or less")
        return pence
