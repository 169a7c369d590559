"""What a service declares about the personal data it collects: which answers are personal, why they are
collected, who sees them and how long they are kept by default. Councils change the period; the privacy
notice and the retention job read the rest.

Additive with defaults: a service that declares nothing has its free text answers (text that is not a
choice from a list) treated as personal, kept 24 months after the request closes.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from civicshare.modules.answers import StepForm, answer_spec

DEFAULT_RETENTION_MONTHS = 24
LOCATION_ANSWERS = frozenset({"latitude", "longitude"})  # kept, made coarse: not erased


@dataclass(frozen=True, kw_only=True)
class PersonalData:
    """A service's personal data declaration.

    - `personal_answers`: the answers that say something about a person; None means every free text
      answer (the safe default). Map pins (`latitude`, `longitude`) are made coarse rather than erased.
    - `retention_months`: how long after closing the personal data of a request is kept, unless the
      council sets its own period.
    """

    purpose: str = "to deliver the service you asked for and to tell you how your request is progressing"
    lawful_basis: str = "public task: the council's duty to provide this service"
    shared_with: str = "the council's officers who deliver the service, and contractors doing the work"
    personal_answers: frozenset[str] | None = None
    retention_months: int = DEFAULT_RETENTION_MONTHS

    def __post_init__(self) -> None:
        if not 1 <= self.retention_months <= 1200:
            raise ValueError("retention_months must be between 1 and 1200")


def _is_free_text(form: type[StepForm], name: str) -> bool:
    field = form.model_fields[name]
    spec = answer_spec(field)
    if spec is not None and spec.choices_from:
        return False
    annotation: Any = field.annotation
    kinds = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    kinds = tuple(kind for kind in kinds if kind is not type(None))
    return any(kind is str for kind in kinds) and not any(typing.get_origin(kind) is Literal for kind in kinds)


def personal_answers_of(forms: typing.Iterable[type[StepForm]], declared: PersonalData) -> frozenset[str]:
    """The answers of a service's forms its declaration makes personal (by default every free text one)."""
    if declared.personal_answers is not None:
        return declared.personal_answers - LOCATION_ANSWERS
    names = {name for form in forms for name in form.model_fields if _is_free_text(form, name)}
    return frozenset(names - LOCATION_ANSWERS)
