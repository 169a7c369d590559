"""The optional feedback question on a service's confirmation page (GOV.UK's five-point satisfaction
scale) and the resident's own words beside it.

Ratings count in the user satisfaction measure (``savings.measures``). Comments are shown only to the
council's staff, on the back office's feedback page: never in a report, an export or open data. Ratings
are counted per day, service and rating (``feedback_ratings``); only answers with words keep a row of
their own (``service_feedback``), with the day, not the time, and no reference, so an answer cannot be
matched to a request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.period import ReportPeriod, month_of
from civicshare.savings.tables import FEEDBACK_COMMENT_LENGTH, feedback_ratings, service_feedback

QUESTION = "Overall, how did you feel about the service you received today?"
COMMENT_LABEL = "How could we improve this service? (optional)"
COMMENT_HINT = "Do not include any personal or financial information, for example your name, address or card number."
NO_RATING = "Select how you felt about the service"
COMMENT_TOO_LONG = f"Your feedback must be {FEEDBACK_COMMENT_LENGTH:,} characters or fewer"


class Rating(IntEnum):
    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    NEITHER = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        return RATING_LABELS[self]

    @property
    def form_value(self) -> str:
        return self.name.lower().replace("_", "-")


RATING_LABELS = {
    Rating.VERY_SATISFIED: "Very satisfied",
    Rating.SATISFIED: "Satisfied",
    Rating.NEITHER: "Neither satisfied or dissatisfied",
    Rating.DISSATISFIED: "Dissatisfied",
    Rating.VERY_DISSATISFIED: "Very dissatisfied",
}
# In the order the form asks: very satisfied first, as GOV.UK's feedback pages do.
RATINGS_ASKED = tuple(sorted(Rating, reverse=True))
SATISFIED = frozenset({Rating.SATISFIED, Rating.VERY_SATISFIED})


@dataclass(frozen=True)
class FeedbackAnswer:
    rating: Rating
    comment: str | None


@dataclass(frozen=True)
class FeedbackProblem:
    field: str
    message: str


def read_feedback(rating: str, comment: str) -> FeedbackAnswer | list[FeedbackProblem]:
    """The form's answer, or what is wrong with it in GOV.UK's words (each field's message)."""
    problems: list[FeedbackProblem] = []
    chosen = next((option for option in Rating if option.form_value == rating.strip()), None)
    if chosen is None:
        problems.append(FeedbackProblem("rating", NO_RATING))
    # Browsers send a textarea's new lines as CRLF; one character a line, as the resident counted them.
    text = comment.replace("\r\n", "\n").strip()
    if len(text) > FEEDBACK_COMMENT_LENGTH:
        problems.append(FeedbackProblem("comment", COMMENT_TOO_LONG))
    if problems or chosen is None:
        return problems
    return FeedbackAnswer(chosen, text or None)


async def store_feedback(connection: AsyncConnection, day: date, service: str, answer: FeedbackAnswer) -> None:
    """Count the rating; keep the words, if any, for the council's staff."""
    counted = insert(feedback_ratings).values(day=day, service=service, rating=int(answer.rating), count=1)
    await connection.execute(
        counted.on_conflict_do_update(
            index_elements=[feedback_ratings.c.day, feedback_ratings.c.service, feedback_ratings.c.rating],
            set_={"count": feedback_ratings.c.count + 1},
        )
    )
    if answer.comment is not None:
        await connection.execute(
            service_feedback.insert().values(
                day=day, service=service, rating=int(answer.rating), comment=answer.comment
            )
        )


async def forget_comments_before(connection: AsyncConnection, day: date) -> int:
    """Delete the words residents wrote before `day` (they may hold personal data); their ratings stay
    counted in ``feedback_ratings``, so the satisfaction measure does not change. Returns how many."""
    result = await connection.execute(service_feedback.delete().where(service_feedback.c.day < day))
    return int(result.rowcount or 0)


async def ratings_by_month(connection: AsyncConnection, period: ReportPeriod) -> dict[tuple[str, str], Counter[Rating]]:
    """Per (``YYYY-MM``, service): how many answers gave each rating on the period's days."""
    month = func.date_trunc("month", feedback_ratings.c.day)
    rows = await connection.execute(
        select(month, feedback_ratings.c.service, feedback_ratings.c.rating, func.sum(feedback_ratings.c.count))
        .where(feedback_ratings.c.day.between(period.start, period.end))
        .group_by(month, feedback_ratings.c.service, feedback_ratings.c.rating)
    )
    found: dict[tuple[str, str], Counter[Rating]] = {}
    for row_month, service, rating, count in rows:
        found.setdefault((month_of(row_month), service), Counter())[Rating(rating)] = int(count)
    return found


@dataclass(frozen=True)
class FeedbackComment:
    day: date
    service: str
    rating: Rating
    comment: str


async def feedback_comments(
    connection: AsyncConnection, period: ReportPeriod, *, service: str | None = None, limit: int = 200
) -> list[FeedbackComment]:
    """The newest comments first, of the period's days (at most ``limit``), for the council's staff only."""
    query = (
        select(
            service_feedback.c.day, service_feedback.c.service, service_feedback.c.rating, service_feedback.c.comment
        )
        .where(service_feedback.c.day.between(period.start, period.end))
        .order_by(service_feedback.c.day.desc(), service_feedback.c.id.desc())
        .limit(limit)
    )
    if service is not None:
        query = query.where(service_feedback.c.service == service)
    return [
        FeedbackComment(row.day, row.service, Rating(row.rating), row.comment)
        for row in await connection.execute(query)
    ]
