"""How the back office shows a request: rows for the queue, and one request in full for its own page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from civicshare.catalogue.service import CouncilOfferings
from civicshare.services import PlatformServices
from civicshare.staff.queue import SlaClock, sla_clock
from civicshare.transactions.views import Wording
from civicshare.web.questions import humanise, questions_for, shown_answer
from civicshare.web.service import CHANNEL_NAMES, PAYMENT_WORDS, uk_date, uk_date_time

SHORT_LOCATION = 40
SUBMITTERS = {
    "anonymous": "A resident (not signed in)",
    "resident": "A signed-in resident",
    "staff": "A member of staff",
}


@dataclass(frozen=True)
class QueueRow:
    reference: str
    service_title: str
    location: str
    status: str
    status_label: str
    sla: SlaClock
    submitted: str
    assignee: str | None


@dataclass(frozen=True)
class AnswerRow:
    key: str
    value: str
    change_href: None = None


@dataclass(frozen=True)
class HistoryEntry:
    when: str
    label: str
    actor: str
    note: str | None
    internal: bool = False  # an officer's note: never shown to the resident


@dataclass(frozen=True)
class NextStatus:
    value: str
    label: str
    needs_reason: bool
    hint: str | None = None


@dataclass
class RequestInFull:
    reference: str
    service_title: str
    status: str
    status_label: str
    sla: SlaClock
    details: list[AnswerRow]
    answers: list[AnswerRow]
    history: list[HistoryEntry]
    next_statuses: list[NextStatus]
    status_known: bool
    map_href: str | None
    assignee: str | None
    assigned_to_me: bool
    photos: list[dict[str, Any]] = field(default_factory=list)
    decision: str | None = None
    decision_public: bool = False
    duplicate_of: str | None = None


def short_location(row: dict[str, Any]) -> str:
    if row.get("address"):
        address = str(row["address"])
        return address if len(address) <= SHORT_LOCATION else address[: SHORT_LOCATION - 1].rstrip() + "…"
    if row.get("latitude") is not None and row.get("longitude") is not None:
        return f"{float(row['latitude']):.4f}, {float(row['longitude']):.4f}"
    return ""


def queue_rows(
    rows: list[dict[str, Any]],
    offerings: CouncilOfferings,
    services: PlatformServices,
    today: date,
    team_names: dict[int, str] | None = None,
) -> list[QueueRow]:
    wordings: dict[str, Wording] = {}
    shown = []
    for row in rows:
        wording = wordings.get(row["service"]) or wordings.setdefault(
            row["service"], Wording(offerings, services, row["service"])
        )
        shown.append(
            QueueRow(
                reference=row["reference"],
                service_title=wording.title,
                location=short_location(row),
                status=row["status"],
                status_label=wording.label(row["status"]),
                sla=sla_clock(row["due_on"], row["closed_at"] is not None, today, row.get("sla_paused_at")),
                submitted=uk_date(row["created_at"]),
                assignee=row["assignee_name"] or (team_names or {}).get(row["assigned_team_id"]),
            )
        )
    return shown


def answer_rows(offerings: CouncilOfferings, service_code: str, answers: dict[str, Any]) -> list[AnswerRow]:
    """The resident's answers under the questions the service asked, in the order it asked them."""
    remaining = dict(answers)
    rows: list[AnswerRow] = []
    offering = offerings.offering(service_code)
    if offering is not None:
        for step in offering.service.steps:
            for question in questions_for(step, offering.settings):
                if question.name in remaining:
                    rows.append(AnswerRow(question.label, shown_answer(question, remaining.pop(question.name))))
    # Answers the service no longer asks (its module changed, or is switched off here) still show.
    rows += [
        AnswerRow(humanise(key), "Not given" if value in (None, "") else str(value)) for key, value in remaining.items()
    ]
    return rows


def _history(wording: Wording, events: list[dict[str, Any]], notes: list[dict[str, Any]]) -> list[HistoryEntry]:
    """Status changes and internal notes, oldest first."""
    dated = [
        (
            event["created_at"],
            HistoryEntry(
                uk_date_time(event["created_at"]), wording.label(event["to_status"]), event["actor"], event["note"]
            ),
        )
        for event in events
    ] + [
        (
            note["created_at"],
            HistoryEntry(
                uk_date_time(note["created_at"]), "Internal note", note["author_name"], note["body"], internal=True
            ),
        )
        for note in notes
    ]
    return [entry for _, entry in sorted(dated, key=lambda pair: pair[0])]


def request_in_full(
    row: dict[str, Any],
    history: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    officer_subject: str,
    attachments: list[dict[str, Any]],
    offerings: CouncilOfferings,
    services: PlatformServices,
    today: date,
) -> RequestInFull:
    wording = Wording(offerings, services, row["service"])
    workflow = wording.workflow
    closed = row["closed_at"] is not None
    next_statuses: list[NextStatus] = []
    if workflow is not None and row["status"] in workflow.states:
        for status in sorted(workflow.allowed_from(row["status"]), key=workflow.states.index):
            needs_reason = status in workflow.closing
            next_statuses.append(
                NextStatus(status, wording.label(status), needs_reason, "Needs a reason" if needs_reason else None)
            )
    details = [
        AnswerRow("Reference", row["reference"]),
        AnswerRow("Service", wording.title),
        AnswerRow("Submitted", uk_date_time(row["created_at"])),
        AnswerRow("Channel", CHANNEL_NAMES.get(row["channel"], humanise(row["channel"]))),
        AnswerRow("Submitted by", SUBMITTERS.get(row["submitter_kind"], humanise(row["submitter_kind"]))),
        AnswerRow("Email address", row["contact_email"] or "Not given"),
    ]
    if row.get("external_reference"):
        system = row.get("external_system") or "a council system"
        details.append(AnswerRow(f"Reference in {system}", str(row["external_reference"])))
    if row.get("address"):
        details.append(AnswerRow("Address", str(row["address"])))
    if row.get("usrn"):
        details.append(AnswerRow("USRN", str(row["usrn"])))
    if row.get("fee_pence"):
        paid = PAYMENT_WORDS.get(row["payment_status"] or "", humanise(row["payment_status"] or "not started"))
        details.append(AnswerRow("Payment", f"£{row['fee_pence'] / 100:,.2f}: {paid}"))
    map_href = None
    if row.get("latitude") is not None and row.get("longitude") is not None:
        latitude, longitude = float(row["latitude"]), float(row["longitude"])
        details.append(AnswerRow("Location", f"{latitude:.5f}, {longitude:.5f}"))
        map_href = f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}#map=18/{latitude:.5f}/{longitude:.5f}"
    return RequestInFull(
        reference=row["reference"],
        service_title=wording.title,
        status=row["status"],
        status_label=wording.label(row["status"]),
        sla=sla_clock(row["due_on"], closed, today, row.get("sla_paused_at")),
        details=details,
        answers=answer_rows(offerings, row["service"], dict(row["answers"] or {})),
        history=_history(wording, history, notes),
        next_statuses=next_statuses,
        status_known=workflow is not None and row["status"] in workflow.states,
        map_href=map_href,
        assignee=row["assignee_name"],
        assigned_to_me=row["assignee_subject"] == officer_subject,
        photos=attachments,
        decision=f"{row['decided_by']}: {row['decision_reason']}" if row.get("decided_by") else None,
        decision_public=bool(row.get("decision_public")),
        duplicate_of=row.get("duplicate_of"),
    )
