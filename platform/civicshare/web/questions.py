"""A form step as GOV.UK questions: which component asks each field, and how answers read back.

The module declares a pydantic model per step with `answer(label=, hint=, errors=)`; this decides the
component from the field's type: radios for a fixed list (Literal, or `choices_from` a council
setting) and for yes/no, a date input for dates, a numeric text input for numbers, a textarea with a
character count for long text, a text input otherwise.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from civicshare.modules import Choice, FormStep, LocationForm, address_questions, answer_spec

LONG_TEXT = 250
COORDINATES = ("latitude", "longitude")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class Question:
    name: str
    kind: Literal["radios", "date", "number", "textarea", "text"]
    label: str
    hint: str | None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    optional: bool = False


def _plain_type(annotation: Any) -> tuple[Any, bool]:
    """The type without `| None`, and whether None was allowed."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        return (inner[0] if len(inner) == 1 else annotation), True
    return annotation, False


def _max_length(info: FieldInfo) -> int | None:
    for item in info.metadata:
        length = getattr(item, "max_length", None)
        if isinstance(length, int):
            return length
    return None


def humanise(value: str) -> str:
    return value.replace("_", " ").replace("-", " ").capitalize()


def fixed_options(values: tuple[Any, ...], labels: Mapping[str, str]) -> tuple[Option, ...]:
    """A fixed list's radios in the module's words and order; "Yes" always comes before "No".

    A value the module gave no words for (a module written before `options`) falls back to its code
    made readable; tests/modules check every installed module labels its lists.
    """
    codes = [str(value) for value in values]
    ordered = [code for code in labels if code in codes] + [code for code in codes if code not in labels]
    if "yes" in ordered and "no" in ordered and ordered.index("no") < ordered.index("yes"):
        ordered.remove("yes")
        ordered.insert(ordered.index("no"), "yes")
    return tuple(Option(code, labels.get(code) or humanise(code)) for code in ordered)


def question_for(name: str, info: FieldInfo, settings: BaseModel) -> Question:
    spec = answer_spec(info)
    label = spec.label if spec else name
    hint = spec.hint if spec else None
    plain, nullable = _plain_type(info.annotation)
    optional = nullable or not info.is_required()
    if spec and spec.choices_from:
        offered = getattr(settings, spec.choices_from)
        options = tuple(
            Option(item.value, item.label) if isinstance(item, Choice) else Option(str(item), humanise(str(item)))
            for item in offered
        )
        return Question(name, "radios", label, hint, options, optional=optional)
    if get_origin(plain) is Literal:
        labels = spec.options if spec else {}
        return Question(name, "radios", label, hint, fixed_options(get_args(plain), labels), optional=optional)
    if plain is bool:
        labels = {"yes": "Yes", "no": "No", **(spec.options if spec else {})}
        return Question(name, "radios", label, hint, fixed_options(("yes", "no"), labels), optional=optional)
    if plain is date:
        return Question(name, "date", label, hint, optional=optional)
    if plain in (int, float):
        return Question(name, "number", label, hint, optional=optional)
    length = _max_length(info)
    kind: Literal["textarea", "text"] = "textarea" if length is None or length > LONG_TEXT else "text"
    return Question(name, kind, label, hint, max_length=length, optional=optional)


def questions_for(step: FormStep, settings: BaseModel) -> list[Question]:
    """The questions a step asks on the page (a map pin is set by the map script, and an address's UPRN
    comes with the address chosen from a list: neither is typed)."""
    skipped: tuple[str, ...] = COORDINATES if issubclass(step.form, LocationForm) else ()
    address = address_questions(step.form)
    if address is not None and address.uprn:
        skipped += (address.uprn,)
    return [question_for(name, info, settings) for name, info in step.form.model_fields.items() if name not in skipped]


def posted_values(questions: list[Question], posted: dict[str, str]) -> dict[str, str]:
    """What the resident typed for each question, as the page shows it back (date parts kept apart)."""
    values: dict[str, str] = {}
    for question in questions:
        if question.kind == "date":
            for part in ("day", "month", "year"):
                values[f"{question.name}-{part}"] = posted.get(f"{question.name}-{part}", "").strip()
        else:
            values[question.name] = posted.get(question.name, "")
    return values


def validation_data(questions: list[Question], typed: dict[str, str]) -> dict[str, Any]:
    """Typed values as the step's model reads them: a date's three boxes become one ISO date."""
    data: dict[str, Any] = {}
    for question in questions:
        if question.kind == "date":
            day, month, year = (typed.get(f"{question.name}-{part}", "").strip() for part in ("day", "month", "year"))
            if not (day or month or year):
                continue
            try:
                data[question.name] = date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                data[question.name] = f"{year}-{month}-{day}!"  # not a date: the module's `date` message
        else:
            data[question.name] = typed.get(question.name, "")
    return data


def shown_answer(question: Question, value: Any) -> str:
    """An answer as check-your-answers shows it."""
    if value is None or value == "":
        return "Not given"
    if question.kind == "radios":
        key = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        for option in question.options:
            if option.value == key:
                return option.label
        return humanise(key)
    if question.kind == "date":
        return uk_date_only(value)
    return str(value)


def uk_date_only(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)
