"""The four measures every GOV.UK service publishes, per council, service and month.

Plain arithmetic over counts the caller loads (``measures_service`` reads them from the database):

- **cost per transaction**: what the month's transactions on every channel cost, each at its channel's
  unit cost for its day (the savings report's ``actual_cost``), divided by the number of transactions on
  every channel, imported offline counts included. Pounds, rounded half up to the penny.
- **digital take-up**: transactions done online (web and app) as a share of all transactions.
- **completion rate**: requests sent from the website as a share of journeys started on it
  (``savings.journeys`` says how each is counted; nothing personal is stored).
- **user satisfaction**: the share of answers to the confirmation page's feedback question that were
  "satisfied" or "very satisfied" (``savings.feedback``); the count of each answer is given beside it.

Every share is worked out from summed counts, never from rounded shares, and is ``None`` (shown as
"no data") when there is nothing to divide. Free-text feedback never appears here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, computed_field

from civicshare.savings.feedback import Rating
from civicshare.savings.figures import without_validation
from civicshare.savings.journeys import JourneyCount
from civicshare.savings.money import PENNY, ratio
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import ReportLine

DEFINITIONS = {
    "cost_per_transaction": (
        "What the transactions on every channel cost at each channel's unit cost, divided by the number of "
        "transactions on every channel (imported offline counts included), in pounds."
    ),
    "digital_take_up": "Transactions done online (website and app) as a share of all transactions.",
    "completion_rate": (
        "Requests sent from the website as a share of journeys started on it. A journey starts when a browser "
        "first opens a service's first question; starting again with the form's answers still in its cookie "
        "is the same journey. Only counts are stored: nothing about who started."
    ),
    "user_satisfaction": (
        "Answers of 'satisfied' or 'very satisfied' as a share of all answers to the optional feedback "
        "question on the confirmation page."
    ),
}


class Measures(BaseModel):
    """The counts behind the four measures, for one month and service, a month, a service or the period."""

    model_config = ConfigDict(frozen=True)

    month: str | None = None
    service: str | None = None
    transactions: int = 0
    digital_transactions: int = 0
    total_cost: Decimal = Decimal("0.00")
    journeys_started: int = 0
    requests_sent: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    neither_satisfied_or_dissatisfied: int = 0
    dissatisfied: int = 0
    very_dissatisfied: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_per_transaction(self) -> Decimal | None:
        if not self.transactions:
            return None
        return (self.total_cost / self.transactions).quantize(PENNY, rounding=ROUND_HALF_UP)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def digital_take_up(self) -> Decimal | None:
        return ratio(self.digital_transactions, self.transactions)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def completion_rate(self) -> Decimal | None:
        return ratio(self.requests_sent, self.journeys_started)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def satisfaction_responses(self) -> int:
        return (
            self.very_satisfied
            + self.satisfied
            + self.neither_satisfied_or_dissatisfied
            + self.dissatisfied
            + self.very_dissatisfied
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def user_satisfaction(self) -> Decimal | None:
        return ratio(self.very_satisfied + self.satisfied, self.satisfaction_responses)  # feedback.SATISFIED


class ServiceMeasures(BaseModel):
    """A council's four measures for a period: by month and service, by month, by service and in total."""

    model_config = ConfigDict(frozen=True)

    council: str
    period: ReportPeriod
    lines: tuple[Measures, ...]
    by_month: tuple[Measures, ...]
    by_service: tuple[Measures, ...]
    totals: Measures
    definitions: dict[str, str] = DEFINITIONS

    def line(self, month: str, service: str) -> Measures | None:
        return next((line for line in self.lines if line.month == month and line.service == service), None)


_RATING_FIELDS = {
    Rating.VERY_SATISFIED: "very_satisfied",
    Rating.SATISFIED: "satisfied",
    Rating.NEITHER: "neither_satisfied_or_dissatisfied",
    Rating.DISSATISFIED: "dissatisfied",
    Rating.VERY_DISSATISFIED: "very_dissatisfied",
}


@dataclass
class _Counts:
    transactions: int = 0
    digital_transactions: int = 0
    total_cost: Decimal = field(default_factory=Decimal)
    started: int = 0
    sent: int = 0
    ratings: Counter[Rating] = field(default_factory=Counter)

    def add(self, other: _Counts) -> None:
        self.transactions += other.transactions
        self.digital_transactions += other.digital_transactions
        self.total_cost += other.total_cost
        self.started += other.started
        self.sent += other.sent
        self.ratings.update(other.ratings)

    def measures(self, month: str | None, service: str | None) -> Measures:
        # Counted here, so already the right types: built without validating each of a year's lines again.
        return without_validation(
            Measures,
            {
                "month": month,
                "service": service,
                "transactions": self.transactions,
                "digital_transactions": self.digital_transactions,
                "total_cost": self.total_cost,
                "journeys_started": self.started,
                "requests_sent": self.sent,
                **{name: self.ratings[rating] for rating, name in _RATING_FIELDS.items()},
            },
        )


def build_measures(
    *,
    council: str,
    period: ReportPeriod,
    report_lines: Iterable[ReportLine],
    journeys: Mapping[tuple[str, str], JourneyCount],
    ratings: Mapping[tuple[str, str], Counter[Rating]],
) -> ServiceMeasures:
    """The measures from a savings report's lines grouped by month and service (by channel too, or not),
    the journeys counted on the website and the feedback ratings, each keyed by (``YYYY-MM``, service)."""
    cells: dict[tuple[str, str], _Counts] = defaultdict(_Counts)
    for line in report_lines:
        if line.month is None or line.service is None:
            raise ValueError("The measures need a report grouped by month and service")
        cell = cells[(line.month, line.service)]
        cell.transactions += line.figures.volume
        cell.digital_transactions += line.figures.digital_volume
        cell.total_cost += line.figures.actual_cost
    for key, journey in journeys.items():
        cells[key].started += journey.started
        cells[key].sent += journey.sent
    for key, counted in ratings.items():
        cells[key].ratings.update(counted)

    months = period.months()
    by_month: dict[str, _Counts] = {month: _Counts() for month in months}
    by_service: dict[str, _Counts] = defaultdict(_Counts)
    total = _Counts()
    for (month, service), cell in cells.items():
        by_month.setdefault(month, _Counts()).add(cell)
        by_service[service].add(cell)
        total.add(cell)
    return ServiceMeasures(
        council=council,
        period=period,
        lines=tuple(cells[key].measures(*key) for key in sorted(cells)),
        by_month=tuple(by_month[month].measures(month, None) for month in sorted(by_month)),
        by_service=tuple(by_service[service].measures(None, service) for service in sorted(by_service)),
        totals=total.measures(None, None),
    )
