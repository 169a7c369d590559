"""A map pin on a location step: the latitude and longitude the map script puts in two hidden fields.

They are not questions the resident types (the description is the typed, no-JavaScript way), so they are
kept beside the step's questions: read from the post, kept in the draft, handed to the step's model.
"""

from __future__ import annotations

from typing import Any

from civicshare.modules import FormStep, LocationForm
from civicshare.web.questions import COORDINATES


def takes_pin(step: FormStep) -> bool:
    return issubclass(step.form, LocationForm)


def posted_pin(step: FormStep, posted: dict[str, str]) -> dict[str, str]:
    """The pin's fields as posted (both empty when no pin was dropped, as without JavaScript)."""
    if not takes_pin(step):
        return {}
    return {name: posted.get(name, "").strip()[:32] for name in COORDINATES}


def pin_data(step: FormStep, typed: dict[str, str]) -> dict[str, Any]:
    """The pin as the step's model reads it: numbers, or the text (which the model refuses) when not one."""
    if not takes_pin(step) or not all(typed.get(name) for name in COORDINATES):
        return {}
    data: dict[str, Any] = {}
    for name in COORDINATES:
        try:
            data[name] = float(typed[name])
        except ValueError:
            data[name] = typed[name]
    return data
