"""The optional feedback question on the confirmation page (``savings.feedback`` keeps the answers)."""

from __future__ import annotations

from typing import Any

from civicshare.savings.feedback import COMMENT_HINT, COMMENT_LABEL, QUESTION, RATINGS_ASKED
from civicshare.savings.tables import FEEDBACK_COMMENT_LENGTH
from civicshare.web.questions import Option

# Kept with the request in the form's cookie once answered: one answer per request.
FEEDBACK_GIVEN = "feedback"
OPTIONS = tuple(Option(rating.form_value, rating.label) for rating in RATINGS_ASKED)


def feedback_form(*, given: bool, typed: dict[str, str] | None = None) -> dict[str, Any]:
    """What the confirmation page's feedback form shows: the question, or thanks once answered."""
    typed = typed or {}
    return {
        "given": given,
        "question": QUESTION,
        "options": OPTIONS,
        "selected": (typed.get("rating", ""),),
        "comment_label": COMMENT_LABEL,
        "comment_hint": COMMENT_HINT,
        "comment": typed.get("comment", ""),
        "most_characters": FEEDBACK_COMMENT_LENGTH,
    }
