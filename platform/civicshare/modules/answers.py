"""Form fields for a step: labels, hints and GOV.UK error wording carried on the pydantic model.

A step's model subclasses `StepForm` and declares each question with `answer(...)`:

    class VehicleForm(StepForm):
        registration: str = answer(
            label="Vehicle registration number",
            hint="For example, AB12 CDE",
            errors={"missing": "Enter your vehicle registration number",
                    "invalid": "Enter a real vehicle registration number"},
        )

Error keys are either friendly names (`missing`, `invalid`, `too_long`, `too_short`, `pattern`,
`too_small`, `too_big`, `choice`, `date`, `number`) or any pydantic error type. Validators that need
the council's settings or today's date read them with `answer_context(info)`; cross-field checks
raise `AnswerError(field, message)` so the message lands on the right question.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

SPEC_KEY = "civicshare"

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)
AddressPart = Literal["line", "postcode", "uprn"]


@dataclass(frozen=True)
class AnswerSpec:
    """What a resident sees for one question, as read back from the model field."""

    label: str
    hint: str | None = None
    errors: Mapping[str, str] = field(default_factory=dict)
    choices_from: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    personal: bool = False
    address: AddressPart | None = None


class AnswerError(ValueError):
    """Raised from a step's validators to put a GOV.UK message on a question.

    In a field validator, pass the message alone: `AnswerError("Date must be in the future")`.
    In a model validator, name the questions: `AnswerError(postcode="Enter a full UK postcode")`.
    """

    def __init__(self, message: str | Mapping[str, str] | None = None, /, **by_field: str) -> None:
        given = {"": message} if isinstance(message, str) else dict(message or {})
        self.messages: dict[str, str] = {**given, **by_field}
        super().__init__("; ".join(text for text in self.messages.values()))


@dataclass(frozen=True)
class AnswerContext:
    """What validators may know beyond the answers: the council's settings and the date today."""

    settings: BaseModel
    today: date

    def settings_as(self, kind: type[SettingsModel]) -> SettingsModel:
        """The council's settings as the module's own settings class."""
        if not isinstance(self.settings, kind):
            raise TypeError(f"expected {kind.__name__} settings, got {type(self.settings).__name__}")
        return self.settings


def answer_context(info: ValidationInfo) -> AnswerContext:
    """The context the flow engine passes to validation; missing context is a programming error."""
    context = info.context
    if not isinstance(context, AnswerContext):
        raise TypeError("Validate answers through civicshare.modules.flow so the council's settings are known")
    return context


def answer(
    *,
    label: str,
    hint: str | None = None,
    errors: Mapping[str, str] | None = None,
    choices_from: str | None = None,
    options: Mapping[str, str] | None = None,
    personal: bool = False,
    address: AddressPart | None = None,
    default: Any = PydanticUndefined,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    ge: int | None = None,
    le: int | None = None,
) -> Any:
    """Declare one question. `choices_from` names a settings attribute listing the offered values;
    `options` gives the words residents see for each value of a fixed list (a Literal, or yes/no for
    a bool: `{"yes": "Yes", "no": "No"}`), in the order they are offered. `personal` marks an answer
    about the resident rather than the problem (a name, a phone number, a home address, a vehicle):
    tracking by reference and email leaves it out; only the signed-in resident who sent it sees it.
    `address` marks the parts of an address in the council's area ("line", "postcode", and an optional
    "uprn" the resident never types): the platform finds it from the postcode (GOV.UK's "find an
    address"), keeps the chosen property's UPRN, and refuses an address outside the council's area."""
    spec: dict[str, Any] = {"label": label, "hint": hint, "errors": dict(errors or {})}
    if choices_from is not None:
        spec["choices_from"] = choices_from
    if options is not None:
        spec["options"] = dict(options)
    if personal:
        spec["personal"] = True
    if address is not None:
        spec["address"] = address
    return Field(
        default,
        title=label,
        description=hint,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        ge=ge,
        le=le,
        json_schema_extra={SPEC_KEY: spec},
    )


def answer_spec(info: FieldInfo) -> AnswerSpec | None:
    """The label, hint and messages of a field declared with `answer()`, or None if it was not."""
    extra = info.json_schema_extra
    if not isinstance(extra, dict) or not isinstance(extra.get(SPEC_KEY), dict):
        return None
    raw = cast(dict[str, Any], extra[SPEC_KEY])
    return AnswerSpec(
        label=str(raw["label"]),
        hint=raw.get("hint"),
        errors=dict(raw.get("errors") or {}),
        choices_from=raw.get("choices_from"),
        options=dict(raw.get("options") or {}),
        personal=bool(raw.get("personal", False)),
        address=raw.get("address"),
    )


def offered_values(settings: BaseModel, attribute: str) -> list[str]:
    """The values a council offers for a `choices_from` question (plain strings or Choice items)."""
    offered = getattr(settings, attribute)
    values: list[str] = []
    for item in cast(Iterable[Any], offered):
        values.append(item.value if isinstance(item, Choice) else str(item))
    return values


@functools.cache
def _choice_questions(form: type[BaseModel]) -> tuple[tuple[str, str, AnswerSpec], ...]:
    """(field, settings attribute, spec) for each question whose answer must be one the council offers."""
    found = []
    for name, info in form.model_fields.items():
        spec = answer_spec(info)
        if spec is not None and spec.choices_from is not None:
            found.append((name, spec.choices_from, spec))
    return tuple(found)


class Choice(BaseModel):
    """One option a council offers, with the words residents see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str
    label: str


class StepForm(BaseModel):
    """Base class for the model of one form step.

    Blank form fields count as unanswered (so `missing` messages show, as GOV.UK pages expect),
    surrounding spaces are ignored, unknown fields (CSRF tokens, buttons) are dropped, and
    questions with `choices_from` only accept what the council offers.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unanswered(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and any(isinstance(value, str) and not value.strip() for value in data.values()):
            return {key: value for key, value in data.items() if not (isinstance(value, str) and not value.strip())}
        return data

    @model_validator(mode="after")
    def _only_offered_choices(self, info: ValidationInfo) -> StepForm:
        refused: dict[str, str] = {}
        for name, choices_from, spec in _choice_questions(type(self)):
            value = getattr(self, name)
            if value is None:
                continue
            offered = offered_values(answer_context(info).settings, choices_from)
            if str(value) not in offered:
                refused[name] = spec.errors.get("choice") or spec.errors.get("missing") or "Select an option"
        if refused:
            raise AnswerError(refused)
        return self
