"""Wire models of the resident transactions API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from msgspec import Struct, field


class SubmitRequest(Struct):
    """POST /api/v1/services/{code}/transactions. `return_url` is a path on this council's site to send
    the resident back to after paying (default: the API's own payment-return address)."""

    answers: dict[str, Any] = field(default_factory=dict)
    channel: str = "web"
    contact_email: str | None = None
    contact_phone: str | None = None  # a UK mobile number, for text messages when the council sends them
    return_url: str | None = None


class PaymentLink(Struct):
    status: str
    amount_pence: int
    next_url: str | None


class UploadLink(Struct):
    href: str
    token: str
    expires_at: datetime


class SubmittedTransaction(Struct):
    reference: str
    service: str
    status: str
    status_label: str
    fee_pence: int | None
    due_on: date | None
    submitted_at: datetime
    payment: PaymentLink | None
    upload: UploadLink | None
    track_href: str
    derived: dict[str, Any] = field(default_factory=dict)
    """What the service worked out from the request, e.g. a new council tax account reference."""


class StatusChange(Struct):
    status: str
    status_label: str
    at: datetime
    note: str | None


class Decision(Struct):
    by: str
    reason: str | None
    # Whether staff chose to show the reason to the resident (who otherwise gets no reason).
    public: bool = False


class PaymentState(Struct):
    status: str | None
    amount_pence: int


class AttachmentOut(Struct):
    id: int
    filename: str
    content_type: str
    size_bytes: int


class CouncilUpdate(Struct):
    """Something the council told the resident about their request (a public update)."""

    text: str
    at: datetime


class TrackedTransaction(Struct):
    reference: str
    service: str
    service_title: str
    status: str
    status_label: str
    channel: str
    submitted_at: datetime
    due_on: date | None
    decision: Decision | None
    payment: PaymentState | None
    history: list[StatusChange]
    derived: dict[str, Any]
    updates: list[CouncilUpdate] = field(default_factory=list)


class TransactionSummary(Struct):
    reference: str
    service: str
    status: str
    status_label: str
    submitted_at: datetime


class PaymentReturn(Struct):
    reference: str
    payment_status: str
    status: str
    status_label: str
    confirmed: bool


class PaymentRestart(Struct):
    reference: str
    next_url: str
    amount_pence: int


class StoredFiles(Struct):
    reference: str
    attachments: list[AttachmentOut]
