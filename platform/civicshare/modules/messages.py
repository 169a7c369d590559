"""Turn pydantic validation failures into GOV.UK error messages keyed by field path."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_core.core_schema import ErrorType

from civicshare.modules.answers import AnswerError, AnswerSpec, answer_spec

FALLBACK_MESSAGE = "Check your answer"

_BUILT_IN_TYPES: frozenset[str] = frozenset(get_args(ErrorType))

# Friendly keys a plugin may use in `answer(errors=...)`, by pydantic error type.
_FRIENDLY_KEYS: dict[str, str] = {
    "missing": "missing",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "string_pattern_mismatch": "pattern",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_big",
    "less_than_equal": "too_big",
    "enum": "choice",
    "literal_error": "choice",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date",
    "date_type": "date",
    "int_parsing": "number",
    "int_from_float": "number",
    "int_type": "number",
    "decimal_parsing": "number",
    "float_parsing": "number",
}


def field_errors(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """One GOV.UK message per question that failed, in the order pydantic reported them."""
    messages: dict[str, str] = {}
    for detail in error.errors():
        for path, text in _messages_for(model, detail).items():
            messages.setdefault(path, text)
    return messages


def _messages_for(model: type[BaseModel], detail: ErrorDetails) -> dict[str, str]:
    raised = (detail.get("ctx") or {}).get("error")
    if isinstance(raised, AnswerError):
        return {_path(detail["loc"], name): text for name, text in raised.messages.items()}
    path = ".".join(str(part) for part in detail["loc"]) or "__all__"
    spec = _spec_at(model, detail["loc"])
    return {path: _wording(spec, detail, raised)}


def _wording(spec: AnswerSpec | None, detail: ErrorDetails, raised: Any) -> str:
    error_type = detail["type"]
    errors = spec.errors if spec else {}
    friendly = _FRIENDLY_KEYS.get(error_type)
    for key in (error_type, friendly):
        if key and key in errors:
            return errors[key]
    if error_type not in _BUILT_IN_TYPES:
        # A PydanticCustomError raised by a plugin validator: its message is already council wording.
        return detail["msg"]
    if error_type == "value_error" and raised is not None:
        return str(raised)
    return errors.get("invalid") or errors.get("missing") or FALLBACK_MESSAGE


def _spec_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> AnswerSpec | None:
    current: type[BaseModel] | None = model
    spec: AnswerSpec | None = None
    for part in loc:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            continue
        info = current.model_fields[part]
        spec = answer_spec(info) or spec
        annotation = info.annotation
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return spec


def _path(loc: tuple[int | str, ...], name: str) -> str:
    """Where an AnswerError's message goes: the failing field itself, or a named field beside it."""
    if not name or (loc and loc[-1] == name):
        return ".".join(str(part) for part in loc) or "__all__"
    return ".".join([*(str(part) for part in loc), name])
