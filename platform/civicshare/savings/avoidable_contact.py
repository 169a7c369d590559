"""Avoidable contact (the former national indicator NI14): the share of contact of little or no value
to the resident, and what handling it cost.

The back office's contact log gives each contact a reason. Chasing a request, getting in touch again
about the same matter (``repeat``) and contacting the wrong council are avoidable; asking for
information and complaints are not counted as avoidable here, as the log cannot tell a question the
website should have answered from one it could not.

For each month and service: avoidable contacts / all the service's contacts that month (every channel,
as the savings report counts them), and the cost of the avoidable ones, each at the unit cost of its
channel and service on its day, rounded to the penny once per month and service. Councils used to
estimate this by sampling calls; a contact log gives it continuously, but only for contacts officers
log, so the share is a floor, not an estimate of all avoidable contact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, computed_field

from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.figures import without_validation
from civicshare.savings.money import ratio, round_to_penny
from civicshare.savings.period import ReportPeriod, month_of

AVOIDABLE_REASONS: tuple[str, ...] = ("chasing", "repeat", "wrong_council")


@dataclass(frozen=True)
class LoggedCount:
    """Contacts logged for one reason on one day, service and channel."""

    day: date
    service: str
    channel: Channel
    reason: str
    count: int


class AvoidableContactLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str | None
    service: str | None
    contacts: int
    """All the service's contacts in the month, on every channel."""
    avoidable: int
    by_reason: dict[str, int]
    cost: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share(self) -> Decimal | None:
        return ratio(self.avoidable, self.contacts)


class AvoidableContactReport(BaseModel):
    """A line per month and service with contacts, in order, and the period's total."""

    model_config = ConfigDict(frozen=True)

    reasons: tuple[str, ...] = AVOIDABLE_REASONS
    lines: tuple[AvoidableContactLine, ...]
    total: AvoidableContactLine


def build_avoidable_contact(
    period: ReportPeriod,
    logged: Iterable[LoggedCount],
    contacts: Mapping[tuple[str, str], int],
    unit_costs: UnitCostSchedule,
) -> AvoidableContactReport:
    """From the logged contacts and every contact per (month, service) in the period."""
    avoidable: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(AVOIDABLE_REASONS, 0))
    cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in logged:
        if item.reason not in AVOIDABLE_REASONS or not period.includes(item.day):
            continue
        key = (month_of(item.day), item.service)
        avoidable[key][item.reason] += item.count
        cost[key] += item.count * unit_costs.cost(item.channel, item.service, item.day)
    lines = []
    for key in sorted(set(contacts) | set(avoidable)):
        by_reason = avoidable.get(key, dict.fromkeys(AVOIDABLE_REASONS, 0))
        # Logged contacts are offline contacts, so they are in the month's contacts already.
        lines.append(
            without_validation(
                AvoidableContactLine,
                {
                    "month": key[0],
                    "service": key[1],
                    "contacts": max(contacts.get(key, 0), sum(by_reason.values())),
                    "avoidable": sum(by_reason.values()),
                    "by_reason": by_reason,
                    "cost": round_to_penny(cost.get(key, Decimal(0))),
                },
            )
        )
    total = AvoidableContactLine(
        month=None,
        service=None,
        contacts=sum(line.contacts for line in lines),
        avoidable=sum(line.avoidable for line in lines),
        by_reason={reason: sum(line.by_reason[reason] for line in lines) for reason in AVOIDABLE_REASONS},
        cost=sum((line.cost for line in lines), Decimal("0.00")),
    )
    return AvoidableContactReport(lines=tuple(lines), total=total)
