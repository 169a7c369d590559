"""A step that asks for an address in the council's area: which of its questions hold which part."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pydantic import BaseModel

from civicshare.modules.answers import answer_spec


@dataclass(frozen=True)
class AddressQuestions:
    """The names of a step's address questions (declared with `answer(address=...)`)."""

    line: str
    postcode: str
    uprn: str | None = None

    @property
    def typed(self) -> tuple[str, ...]:
        """The questions the resident types (the UPRN comes from the address they choose)."""
        return (self.line, self.postcode)


@functools.cache
def address_questions(form: type[BaseModel]) -> AddressQuestions | None:
    """The step's address questions, or None when it asks for no address (or only part of one)."""
    parts: dict[str, str] = {}
    for name, info in form.model_fields.items():
        spec = answer_spec(info)
        if spec is not None and spec.address is not None:
            parts.setdefault(spec.address, name)
    if "line" not in parts or "postcode" not in parts:
        return None
    return AddressQuestions(parts["line"], parts["postcode"], parts.get("uprn"))
