"""Submitting a service's answers: check them, price them, date them and record the transaction.

This is the one way a transaction is made, whoever calls it (the resident API, the resident web pages,
staff on behalf of a caller, Open311). Answers are checked by the module with the council's settings;
every problem comes back at once as {field: GOV.UK message}. A submission with an idempotency key is
made at most once per council: a retry with the same key and the same body returns the first result,
and the same key with a different body is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic_core import to_jsonable_python

from civicshare.catalogue.service import Offering
from civicshare.modules import (
    Submission,
    check_answers,
    fee_for,
    ineligible,
    is_uk_phone_number,
    on_submitted,
    respond_by,
)
from civicshare.transactions.service import DuplicateSubmission, NewTransaction
from civicshare.transactions.stores import TransactionStore
from civicshare.transactions.tables import CHANNELS

SubmitterKind = Literal["anonymous", "resident", "staff"]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
PHONE_MESSAGE = "Enter a UK mobile phone number, like 07700 900 982"
PHONE_MAX_LENGTH = 32
PAYMENT_PENDING = "awaiting_payment"
logger = logging.getLogger(__name__)


def valid_email(email: str) -> bool:
    """An email address a resident can be reached at, as far as its shape tells."""
    email = email.strip()
    return len(email) <= 254 and _EMAIL.match(email) is not None


@dataclass(frozen=True)
class Submitter:
    """Who made the request: an anonymous resident (with an email to track it), a signed-in
    resident, or a member of staff on someone's behalf."""

    kind: SubmitterKind = "anonymous"
    contact_email: str | None = None
    resident_subject: str | None = None
    staff_subject: str | None = None
    tracked_by_client: bool = False
    """An app (an Open311 client) tracks the request for the resident by its id: no email is needed."""
    contact_phone: str | None = None
    """A UK mobile number the resident gave for text messages about the request."""

    @classmethod
    def anonymous(cls, contact_email: str | None) -> Submitter:
        return cls("anonymous", contact_email=contact_email)

    @classmethod
    def through_client(cls, contact_email: str | None) -> Submitter:
        """An anonymous resident reporting through an app that tracks the request itself."""
        return cls("anonymous", contact_email=contact_email, tracked_by_client=True)

    @classmethod
    def resident(cls, subject: str, contact_email: str | None = None) -> Submitter:
        return cls("resident", contact_email=contact_email, resident_subject=subject)

    @classmethod
    def staff(cls, subject: str, contact_email: str | None = None) -> Submitter:
        return cls("staff", contact_email=contact_email, staff_subject=subject)

    @property
    def actor(self) -> str:
        if self.kind == "staff":
            return f"staff:{self.staff_subject}"
        if self.kind == "resident":
            return f"resident:{self.resident_subject}"
        return "resident"


@dataclass(frozen=True)
class SubmissionResult:
    """What a resident is told after submitting. `created` is False for an idempotent replay."""

    transaction_id: int
    reference: str
    service: str
    status: str
    status_label: str
    fee_pence: int | None
    payment_status: str | None
    payment_next_url: str | None
    due_on: date | None
    submitted_at: datetime
    created: bool
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def awaiting_payment(self) -> bool:
        return self.status == PAYMENT_PENDING or self.payment_status in ("required", "created", "declined", "abandoned")


class SubmissionInvalid(Exception):
    """The answers (or the channel or contact email) are not acceptable; `errors` has every message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = dict(errors)


class IdempotencyKeyReused(Exception):
    """The key was used before at this council for a different request; `reference` is the first one."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"this Idempotency-Key was used for a different request ({reference})")
        self.reference = reference


def request_fingerprint(service_code: str, answers: Mapping[str, Any], channel: str, submitter: Submitter) -> str:
    """A hash of what was asked for, to tell a genuine retry from a different request with the same key."""
    canonical = json.dumps(
        {
            "service": service_code,
            "answers": to_jsonable_python(answers),
            "channel": channel,
            "email": (submitter.contact_email or "").strip().lower(),
            # only when given: a request made before phone numbers were taken keeps its fingerprint
            **({"phone": submitter.contact_phone.strip()} if submitter.contact_phone else {}),
            "submitter": [submitter.kind, submitter.resident_subject, submitter.staff_subject],
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_submission(
    offering: Offering,
    answers: Mapping[str, Any],
    channel: str,
    submitter: Submitter,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """The module's checked answers; SubmissionInvalid listing every problem if there are any."""
    checked = check_answers(offering.service, answers, settings=offering.settings, today=today)
    errors = dict(checked.errors)
    if checked.ok and (rule := ineligible(offering.service, checked.answers, offering.settings)) is not None:
        errors["eligibility"] = f"{rule.title}. {rule.reason}"
    if channel not in CHANNELS:
        errors["channel"] = f"Channel must be one of: {', '.join(CHANNELS)}"
    email = (submitter.contact_email or "").strip()
    if email and not valid_email(email):
        errors["contact_email"] = EMAIL_MESSAGE
    elif submitter.kind == "anonymous" and not email and not submitter.tracked_by_client:
        errors["contact_email"] = "Enter your email address so you can track your request"
    phone = (submitter.contact_phone or "").strip()
    if phone and (len(phone) > PHONE_MAX_LENGTH or not is_uk_phone_number(phone)):
        errors["contact_phone"] = PHONE_MESSAGE
    if errors:
        raise SubmissionInvalid(errors)
    return checked.answers


def _location(answers: Mapping[str, Any]) -> dict[str, Any]:
    def decimal(value: Any) -> Decimal | None:
        try:
            return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))
        except InvalidOperation:
            return None

    address = answers.get("location_description")
    if not address and answers.get("address_line"):
        address = ", ".join(str(part) for part in (answers.get("address_line"), answers.get("postcode")) if part)
    usrn = answers.get("usrn")
    return {
        "latitude": decimal(answers.get("latitude")),
        "longitude": decimal(answers.get("longitude")),
        "address": address or None,
        "usrn": str(usrn) if usrn else None,
    }


def result_from_row(row: Mapping[str, Any], offering: Offering | None, *, created: bool) -> SubmissionResult:
    status = str(row["status"])
    label = offering.status_label(status) if offering is not None else status.replace("_", " ").capitalize()
    return SubmissionResult(
        transaction_id=int(row["id"]),
        reference=str(row["reference"]),
        service=str(row["service"]),
        status=status,
        status_label=label,
        fee_pence=row["fee_pence"],
        payment_status=row["payment_status"],
        payment_next_url=row.get("payment_next_url"),
        due_on=row["due_on"],
        submitted_at=row["created_at"],
        created=created,
        derived=dict(row["derived"] or {}),
    )


async def submit(
    store: TransactionStore,
    offering: Offering,
    answers: Mapping[str, Any],
    channel: str,
    submitter: Submitter,
    idempotency_key: str | None = None,
    *,
    today: date | None = None,
) -> SubmissionResult:
    """Check and record one submission at the store's council (see `civicshare.transactions.stores`).

    Raises SubmissionInvalid (every field's message) or IdempotencyKeyReused. A paid service starts in
    its workflow's first status (`awaiting_payment` for paid workflows) with `payment_status`
    "required"; take the payment with `transactions.payments.start_payment`.
    """
    tenant = store.tenant
    if offering.council != tenant.slug:
        raise ValueError(f"offering for {offering.council!r} used at {tenant.slug!r}")
    fingerprint = request_fingerprint(offering.code, answers, channel, submitter)
    checked = check_submission(offering, answers, channel, submitter, today=today)
    fee = fee_for(offering.service, checked, offering.settings) or None
    now = datetime.now(UTC)
    new = NewTransaction(
        module=offering.module.code,
        service=offering.code,
        channel=channel,
        status=offering.service.workflow.initial,
        answers=to_jsonable_python(checked),
        submitter_kind=submitter.kind,
        contact_email=(submitter.contact_email or "").strip() or None,
        contact_phone=(submitter.contact_phone or "").strip() or None,
        resident_subject=submitter.resident_subject,
        staff_subject=submitter.staff_subject,
        actor=submitter.actor,
        fee_pence=fee,
        payment_status="required" if fee else None,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint if idempotency_key else None,
        due_on=respond_by(offering.service, offering.settings, now),
        **_location(checked),
    )
    try:
        row = await store.create(new)
    except DuplicateSubmission as duplicate:
        if duplicate.existing["request_fingerprint"] != fingerprint:
            raise IdempotencyKeyReused(duplicate.existing["reference"]) from None
        replayed = dict(duplicate.existing)
        if not replayed["derived"]:  # the first attempt's hook may have failed after the request was stored
            await _derive(store, offering, checked, replayed)
        return result_from_row(replayed, offering, created=False)
    await _derive(store, offering, checked, row)
    return result_from_row(row, offering, created=True)


async def _derive(store: TransactionStore, offering: Offering, checked: dict[str, Any], row: dict[str, Any]) -> None:
    """Work out and store the module's derived data for a stored request, into `row`.

    The request is already committed when this runs (it is written in the batched submit statement), so
    a failing hook must not turn a saved request into an error: it is logged, and a replay with the same
    Idempotency-Key works it out again. Hooks derive from the answers and the stored request only, so
    working it out again gives the same data.
    """
    if offering.service.on_submitted is None:
        return
    submission = Submission(row["reference"], row["created_at"], store.tenant.slug)
    try:
        derived = to_jsonable_python(on_submitted(offering.service, checked, offering.settings, submission))
        await store.record_derived(row["id"], derived)
    except Exception:
        logger.exception(
            "derived data not recorded; a replay of the request works it out again",
            extra={"reference": row["reference"], "service": offering.code},
        )
        return
    row["derived"] = derived
