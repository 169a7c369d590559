"""Reading the queue's filter form (a GET form, so a filtered queue is a link an officer can keep or share).

Whatever is typed, the queue still shows: a field that cannot be read is left out of the filter and
named in the error summary, the GOV.UK way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.staff.queue import ASSIGNEE_CHOICES, DUE_CHOICES, SEARCH_MAX_LENGTH, STATE_CHOICES, QueueFilter
from civicshare.staff.visit import StaffVisit
from civicshare.transactions.tables import CHANNELS
from civicshare.transactions.views import Wording
from civicshare.web.service import CHANNEL_NAMES
from civicshare.web.site import FieldError

DATE_FIELDS = {"submitted_from": "Submitted from", "submitted_to": "Submitted to"}


class Option(NamedTuple):
    """One choice of a select (components.html's `select` reads `value` and `label`)."""

    value: str
    label: str


STATE_OPTIONS = (Option("open", "Open"), Option("closed", "Closed"), Option("all", "Open and closed"))
CHANNEL_OPTIONS = (Option("", "Any channel"), *(Option(value, label) for value, label in CHANNEL_NAMES.items()))
DUE_OPTIONS = (
    Option("", "Any time"),
    Option("overdue", "Overdue"),
    Option("today", "Due today"),
    Option("this-week", "Due by the end of this week"),
)
ASSIGNEE_OPTIONS = (Option("", "Anyone or nobody"), Option("me", "Me"), Option("nobody", "Nobody yet"))


@dataclass(frozen=True)
class ReadFilter:
    wanted: QueueFilter
    page: int
    errors: list[FieldError]
    typed: dict[str, str]


def _date(query: Mapping[str, str], name: str, errors: list[FieldError]) -> date | None:
    day, month, year = (query.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year"))
    if not (day or month or year):
        return None
    label = DATE_FIELDS[name]
    if not (day and month and year):
        errors.append(FieldError(name, f"{label} must include a day, month and year", target=f"{name}-day"))
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        errors.append(FieldError(name, f"{label} must be a real date", target=f"{name}-day"))
        return None


def _choice(query: Mapping[str, str], name: str, allowed: frozenset[str] | tuple[str, ...]) -> str | None:
    value = query.get(name, "").strip()
    return value if value in allowed else None


def _team(text: str) -> str | None:
    return text if text == "mine" or (text.isdecimal() and len(text) < 19) else None


def read_filter(query: Mapping[str, str], services: frozenset[str], statuses: frozenset[str]) -> ReadFilter:
    """The filter an officer asked for; an unknown choice is ignored, a date that is not one is an error."""
    errors: list[FieldError] = []
    search = query.get("q", "").strip()
    if len(search) > SEARCH_MAX_LENGTH:
        errors.append(FieldError("q", f"Search must be {SEARCH_MAX_LENGTH} characters or fewer"))
        search = ""
    if "\x00" in search:
        errors.append(FieldError("q", "Search must not contain control characters"))
        search = ""
    submitted_from = _date(query, "submitted_from", errors)
    submitted_to = _date(query, "submitted_to", errors)
    if submitted_from and submitted_to and submitted_to < submitted_from:
        errors.append(
            FieldError(
                "submitted_to", "Submitted to must be the same as or after submitted from", target="submitted_to-day"
            )
        )
        submitted_to = None
    wanted = QueueFilter(
        state=_choice(query, "state", STATE_CHOICES) or "open",
        service=_choice(query, "service", tuple(services)),
        status=_choice(query, "status", tuple(statuses)),
        channel=_choice(query, "channel", CHANNELS),
        due=_choice(query, "due", DUE_CHOICES),
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        search=search or None,
        assignee=_choice(query, "assignee", ASSIGNEE_CHOICES),
        team=_team(query.get("team", "").strip()),
    )
    page_text = query.get("page", "1").strip()
    page = int(page_text) if page_text.isdecimal() and len(page_text) < 7 else 1
    typed = {key: value for key, value in query.items() if key != "page"}
    return ReadFilter(wanted, page, errors, typed)


@dataclass(frozen=True)
class QueueRequest:
    """The queue an officer asked for: the council's offer, the services they work on and their statuses'
    words, and the filter read from the address."""

    offerings: CouncilOfferings
    workable: list[Offering]
    statuses: dict[str, str]
    read: ReadFilter


def queue_request(visit: StaffVisit, offerings: CouncilOfferings, query: Mapping[str, str]) -> QueueRequest:
    services = visit.services
    workable = [o for o in offerings if visit.may_work_on(o.code)]
    statuses = {
        status: Wording(offerings, services, o.code).label(status)
        for o in workable
        for status in o.service.workflow.states
    }
    read = read_filter(query, frozenset(o.code for o in workable), frozenset(statuses))
    return QueueRequest(offerings, workable, statuses, read)
