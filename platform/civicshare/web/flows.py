"""A service's form as a resident goes through it: the draft in the flow state, which page comes next,
and handing the finished answers to the platform's submission service and payments.

Checking answers, pricing and dates come from the plugin contract (`civicshare.modules.flow`).
Sending is the platform's own: `transactions.submission.submit` (the one way a transaction is made,
with the draft's idempotency key, so a double-clicked "Accept and send" makes one request) and
`transactions.payments.start_payment` / `finish_payment` with the platform's payment provider.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.catalogue.service import Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.principal import Principal
from civicshare.modules import EligibilityRule, FormStep, check_step, ineligible
from civicshare.payments import PaymentProvider
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.payments import PaymentOutcome, PaymentStart, finish_payment, start_payment
from civicshare.transactions.service import note_first_event
from civicshare.transactions.stores import InCallersTransaction
from civicshare.transactions.submission import (
    EMAIL_MESSAGE,
    SubmissionResult,
    Submitter,
    check_submission,
    submit,
    valid_email,
)
from civicshare.web.address_step import chosen_data
from civicshare.web.photo_step import PHOTOS_STEP
from civicshare.web.pins import pin_data
from civicshare.web.questions import questions_for, shown_answer, validation_data
from civicshare.web.service import Row

CONTACT_STEP = "contact"
CHECK_PAGE = "check"
CHANNEL = "web"


@dataclass
class Draft:
    """What the resident has typed so far for one service, kept in the flow state between pages.

    `key` is made when the resident starts the form and sent as the submission's idempotency key.
    """

    typed: dict[str, str]
    email: str
    key: str
    via: str = ""  # the front door the resident came through (its name), if any

    @classmethod
    def load(cls, stored: Any) -> Draft:
        if isinstance(stored, dict):
            typed = stored.get("typed")
            email = stored.get("email")
            key = stored.get("key")
            via = stored.get("via")
            return cls(
                typed={str(k): str(v) for k, v in typed.items()} if isinstance(typed, dict) else {},
                email=email if isinstance(email, str) else "",
                key=key if isinstance(key, str) and key else new_key(),
                via=via if isinstance(via, str) else "",
            )
        return cls(typed={}, email="", key=new_key())

    def dump(self) -> dict[str, Any]:
        dumped: dict[str, Any] = {"typed": self.typed, "email": self.email, "key": self.key}
        if self.via:
            dumped["via"] = self.via
        return dumped


def new_key() -> str:
    return "web-" + secrets.token_urlsafe(18)


def submitter_for(email: str, resident: Principal | None) -> Submitter:
    email = email.strip()
    return Submitter.resident(resident.subject, email) if resident else Submitter.anonymous(email)


def step_answers(offered: Offering, step: FormStep, data: dict[str, Any]) -> dict[str, Any] | None:
    checked = check_step(step, data, settings=offered.settings)
    return checked.answers if checked.ok else None


def steps_in_order(offered: Offering, data: dict[str, Any]) -> list[FormStep]:
    """The module's steps that apply, given the answers so far (conditions see earlier answers)."""
    asked: list[FormStep] = []
    earlier: dict[str, Any] = {}
    for step in offered.service.steps:
        if step.applies(earlier):
            asked.append(step)
            earlier.update(step_answers(offered, step, data) or {})
    return asked


def ruled_out(offered: Offering, data: dict[str, Any]) -> EligibilityRule[Any] | None:
    """The eligibility rule the answers given so far break (they end the form on its exit page), if any."""
    answers: dict[str, Any] = {}
    for step in steps_in_order(offered, data):
        answers.update(step_answers(offered, step, data) or {})
    return ineligible(offered.service, answers, offered.settings)


def form_step(offered: Offering, step_code: str) -> FormStep:
    """The service's step of that code; 404 for a step it does not have."""
    try:
        return offered.service.step(step_code)
    except KeyError:
        raise Problem(404, "Page not found", name="not-found") from None


def form_pages(offered: Offering, data: dict[str, Any]) -> list[str]:
    """The pages of the form in order: the module's steps that apply, photos (for a service that
    takes them), then the resident's email."""
    photos = [PHOTOS_STEP] if offered.service.attachments is not None else []
    return [step.code for step in steps_in_order(offered, data)] + photos + [CONTACT_STEP]


def page_before(offered: Offering, data: dict[str, Any], step_code: str) -> str | None:
    """The page a Back link goes to from this one; None from the first step."""
    codes = form_pages(offered, data)
    index = codes.index(step_code) if step_code in codes else 0
    return codes[index - 1] if index > 0 else None


def page_after(offered: Offering, data: dict[str, Any], step_code: str) -> str:
    codes = [*form_pages(offered, data), CHECK_PAGE]
    index = codes.index(step_code) if step_code in codes else -1
    return codes[index + 1] if 0 <= index < len(codes) - 1 else CHECK_PAGE


def first_unanswered_step(offered: Offering, data: dict[str, Any]) -> str | None:
    """The first step of the form still needing an answer, or None when every step that applies is done."""
    for step in steps_in_order(offered, data):
        if step_answers(offered, step, data) is None:
            return step.code
    return None


def first_unfinished(offered: Offering, data: dict[str, Any], email: str) -> str | None:
    """The first page still needing an answer, or None when the resident can check and send."""
    unanswered = first_unanswered_step(offered, data)
    if unanswered is not None:
        return unanswered
    return None if email_problem(email) is None else CONTACT_STEP


def typed_data(offered: Offering, typed: dict[str, str]) -> dict[str, Any]:
    """What was typed on every step, as the service's forms read it."""
    data: dict[str, Any] = {}
    for step in offered.service.steps:
        typed_here = validation_data(questions_for(step, offered.settings), typed)
        data.update(typed_here | pin_data(step, typed) | chosen_data(step, typed))
    return data


def answer_sections(
    offered: Offering, data: dict[str, Any], change_href: Callable[[str], str]
) -> list[tuple[str, list[Row]]]:
    """Check your answers: each step that applies, its questions and answers, and where to change them."""
    sections = []
    for step in steps_in_order(offered, data):
        checked = check_step(step, data, settings=offered.settings)
        rows = [
            Row(
                question.label,
                shown_answer(question, checked.answers.get(question.name)),
                change_href(step.code),
                question.label.lower().rstrip("?"),
            )
            for question in questions_for(step, offered.settings)
        ]
        sections.append((step.title, rows))
    return sections


def email_problem(email: str) -> str | None:
    if not email.strip():
        return "Enter your email address"
    return None if valid_email(email) else EMAIL_MESSAGE


def checked_answers(offered: Offering, data: dict[str, Any], email: str, resident: Principal | None) -> dict[str, Any]:
    """The answers as the submission service will take them (SubmissionInvalid lists every problem)."""
    return check_submission(offered, data, CHANNEL, submitter_for(email, resident))


AfterSending = Callable[[AsyncConnection, SubmissionResult], Awaitable[None]]


def uk_day(day: date | None) -> str | None:
    return f"{day.day} {day:%B %Y}" if day else None


async def send(
    engine: AsyncEngine,
    tenant: TenantContext,
    offered: Offering,
    draft: Draft,
    data: dict[str, Any],
    resident: Principal | None,
    *,
    then: AfterSending | None = None,
) -> SubmissionResult:
    """Submit the finished answers through the submission service, once per draft (its key); `then` runs
    in the same database transaction (the form's photos are attached there)."""
    async with tenant_connection(engine, tenant) as connection:
        store = InCallersTransaction(connection, tenant)
        sent = await submit(store, offered, data, CHANNEL, submitter_for(draft.email, resident), draft.key)
        if draft.via and sent.created:
            await note_first_event(connection, sent.transaction_id, f"Sent through {draft.via}")
        if then is not None and sent.created:
            await then(connection, sent)
        return sent


async def start_paying(
    engine: AsyncEngine,
    tenant: TenantContext,
    offered: Offering,
    provider: PaymentProvider,
    reference: str,
    return_url: str,
) -> PaymentStart:
    """Start (or pick up again) the payment for a sent request; send the resident to `next_url`."""
    return await start_payment(
        engine,
        tenant,
        reference,
        provider,
        return_url,
        description=f"{tenant.name}: {offered.title}",
        workflow=offered.service.workflow,
    )


async def payment_came_back(
    engine: AsyncEngine, tenant: TenantContext, offered: Offering, provider: PaymentProvider, reference: str
) -> PaymentOutcome:
    return await finish_payment(engine, tenant, reference, provider, offered.service.workflow)
