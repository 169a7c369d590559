"""A service as API clients and the web pages see it at one council: steps, questions, fees, SLA.

Questions are read from each step's pydantic model (`answer()` specs): name, label, hint, type,
choices (the council's own where the question uses `choices_from`) and whether it is required.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from civicshare.catalogue.service import Offering
from civicshare.modules import Choice, FormStep, answer_spec, fee_for
from civicshare.modules.answers import offered_values


@dataclass(frozen=True)
class FieldChoice:
    value: str
    label: str


@dataclass(frozen=True)
class QuestionDescription:
    name: str
    label: str
    hint: str | None
    type: str
    required: bool
    choices: list[FieldChoice] | None


@dataclass(frozen=True)
class StepDescription:
    code: str
    title: str
    conditional: bool
    questions: list[QuestionDescription]


@dataclass(frozen=True)
class FeeDescription:
    kind: Literal["free", "fixed", "depends_on_answers"]
    amount_pence: int | None


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        remaining = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(remaining) == 1:
            return remaining[0]
    return annotation


def _humanise(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _question(name: str, form: type[BaseModel], settings: BaseModel) -> QuestionDescription:
    info = form.model_fields[name]
    spec = answer_spec(info)
    annotation = _unwrap_optional(info.annotation)
    choices: list[FieldChoice] | None = None
    if spec is not None and spec.choices_from:
        offered = getattr(settings, spec.choices_from)
        choices = [
            FieldChoice(item.value, item.label) if isinstance(item, Choice) else FieldChoice(str(item), str(item))
            for item in offered
        ]
        assert [choice.value for choice in choices] == offered_values(settings, spec.choices_from)
        kind = "choice"
    elif get_origin(annotation) is Literal:
        choices = [FieldChoice(str(value), _humanise(str(value))) for value in get_args(annotation)]
        kind = "choice"
    elif annotation is bool:
        kind = "boolean"
    elif annotation in (int, float, Decimal):
        kind = "number"
    elif annotation is date:
        kind = "date"
    elif annotation is datetime:
        kind = "datetime"
    else:
        kind = "text"
    return QuestionDescription(
        name=name,
        label=spec.label if spec else name,
        hint=spec.hint if spec else None,
        type=kind,
        required=info.is_required(),
        choices=choices,
    )


def describe_step(step: FormStep, settings: BaseModel) -> StepDescription:
    return StepDescription(
        code=step.code,
        title=step.title,
        conditional=step.condition is not None,
        questions=[_question(name, step.form, settings) for name in step.form.model_fields],
    )


def describe_fee(offering: Offering) -> FeeDescription:
    """Free, a fixed amount at this council, or priced from the answers (quantity, zone, amount)."""
    if offering.service.fee is None:
        return FeeDescription("free", None)
    try:
        pence = fee_for(offering.service, {}, offering.settings)
    except (KeyError, TypeError, ValueError):
        return FeeDescription("depends_on_answers", None)
    return FeeDescription("fixed", pence) if pence else FeeDescription("free", None)
