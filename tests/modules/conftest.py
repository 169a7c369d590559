"""A small made-up service module, so core tests do not depend on any real plugin."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from pydantic import Field, ValidationInfo, field_validator

from civicshare.modules import (
    AnswerError,
    Answers,
    Choice,
    FormStep,
    LocationForm,
    ModuleSettings,
    ServiceDefinition,
    ServiceModule,
    StepForm,
    answer,
    answer_context,
    report_workflow,
)


class GraffitiSettings(ModuleSettings):
    removal_fee_pence: int = 4000
    surfaces: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="wall", label="Wall"),
            Choice(value="bus_shelter", label="Bus shelter"),
        ]
    )
    removal_sla_working_days: int = 5
    wording: dict[str, str] = Field(default_factory=lambda: {"intro": "Tell us about graffiti", "outro": "Thanks"})


class GraffitiForm(StepForm):
    surface: str = answer(
        label="What is the graffiti on?", choices_from="surfaces", errors={"missing": "Select what it is on"}
    )
    offensive: Literal["yes", "no"] = answer(
        label="Is it offensive?", errors={"missing": "Select yes if the graffiti is offensive"}
    )
    private_property: bool = answer(
        label="Is it on private property?", default=False, errors={"invalid": "Select yes or no"}
    )


class OwnerForm(StepForm):
    owner_name: str = answer(
        label="Owner's name",
        max_length=20,
        errors={"missing": "Enter the owner's name", "too_long": "Name must be 20 characters or fewer"},
    )
    removal_date: date = answer(
        label="When can we remove it?",
        errors={"missing": "Enter a removal date", "date": "Removal date must be a real date"},
    )

    @field_validator("removal_date")
    @classmethod
    def _future(cls, value: date, info: ValidationInfo) -> date:
        if value <= answer_context(info).today:
            raise AnswerError("Date must be in the future")
        return value


def removal_fee(answers: Answers, settings: GraffitiSettings) -> int | None:
    return settings.removal_fee_pence if answers.get("private_property") else None


report_graffiti = ServiceDefinition[GraffitiSettings](
    code="report-graffiti",
    title="Report graffiti",
    category="Roads and streets",
    summary="Tell us about graffiti.",
    steps=(
        FormStep(code="where", title="Where is it?", form=LocationForm),
        FormStep(code="graffiti", title="About the graffiti", form=GraffitiForm),
        FormStep(
            code="owner",
            title="The owner",
            form=OwnerForm,
            condition=lambda answers: bool(answers.get("private_property")),
        ),
    ),
    workflow=report_workflow(sla_working_days=10),
    sla_working_days=lambda settings: settings.removal_sla_working_days,
    fee=removal_fee,
    location_required=True,
)

graffiti_module = ServiceModule[GraffitiSettings](
    code="street_cleaning",
    title="Street cleaning",
    summary="Graffiti and litter.",
    version="1.0.0",
    settings_model=GraffitiSettings,
    services=(report_graffiti,),
)


@pytest.fixture
def graffiti() -> ServiceModule[GraffitiSettings]:
    return graffiti_module
