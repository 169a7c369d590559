"""A service's form as a resident goes through it: the draft in the session, which page comes next,
and submitting the finished answers as a transaction (with a sandbox payment where there is a fee).

Checking answers, pricing and dates come from the plugin contract (`civicshare.modules.flow`).
Storing the transaction is deliberately thin: `submit` calls `transactions.service.create_transaction`
and records the fee; when the resident submission service lands (idempotency, outbox, rollups,
`on_submitted` storage), `submit` and `record_payment` should call it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.modules import FormStep, Submission, check_answers, check_step, fee_for, on_submitted, respond_by
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import NewTransaction, create_transaction
from civicshare.transactions.tables import transaction_events, transactions
from civicshare.web.offer import OfferedService
from civicshare.web.residents import SignedInResident

CONTACT_STEP = "contact"
CHECK_PAGE = "check"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Draft:
    """What the resident has typed so far for one service, kept in the session between pages."""

    typed: dict[str, str]
    email: str

    @classmethod
    def load(cls, session_value: Any) -> Draft:
        if isinstance(session_value, dict):
            typed = session_value.get("typed")
            email = session_value.get("email")
            return cls(
                typed={str(k): str(v) for k, v in typed.items()} if isinstance(typed, dict) else {},
                email=email if isinstance(email, str) else "",
            )
        return cls(typed={}, email="")

    def dump(self) -> dict[str, Any]:
        return {"typed": self.typed, "email": self.email}


def step_answers(offered: OfferedService, step: FormStep, data: dict[str, Any]) -> dict[str, Any] | None:
    checked = check_step(step, data, settings=offered.settings)
    return checked.answers if checked.ok else None


def steps_in_order(offered: OfferedService, data: dict[str, Any]) -> list[FormStep]:
    """The module's steps that apply, given the answers so far (conditions see earlier answers)."""
    asked: list[FormStep] = []
    earlier: dict[str, Any] = {}
    for step in offered.service.steps:
        if step.applies(earlier):
            asked.append(step)
            earlier.update(step_answers(offered, step, data) or {})
    return asked


def page_after(offered: OfferedService, data: dict[str, Any], step_code: str) -> str:
    codes = [step.code for step in steps_in_order(offered, data)] + [CONTACT_STEP, CHECK_PAGE]
    index = codes.index(step_code) if step_code in codes else -1
    return codes[index + 1] if 0 <= index < len(codes) - 1 else CHECK_PAGE


def first_unfinished(offered: OfferedService, data: dict[str, Any], email: str) -> str | None:
    """The first page still needing an answer, or None when the resident can check and send."""
    for step in steps_in_order(offered, data):
        if step_answers(offered, step, data) is None:
            return step.code
    return None if email_problem(email) is None else CONTACT_STEP


def email_problem(email: str) -> str | None:
    if not email.strip():
        return "Enter your email address"
    if not EMAIL.match(email.strip()) or len(email.strip()) > 254:
        return "Enter an email address in the correct format, like name@example.com"
    return None


@dataclass(frozen=True)
class Submitted:
    reference: str
    fee_pence: int | None
    respond_by: str | None
    status: str


async def submit(
    engine: AsyncEngine,
    tenant: TenantContext,
    offered: OfferedService,
    data: dict[str, Any],
    email: str,
    resident: SignedInResident | None,
) -> Submitted:
    """Store the finished answers as a web transaction at this council; the fee is due if there is one."""
    service = offered.service
    checked = check_answers(service, data, settings=offered.settings)
    if not checked.ok:
        raise ValueError(f"answers for {service.code} are not complete: {sorted(checked.errors)}")
    fee = fee_for(service, checked.answers, offered.settings)
    async with tenant_connection(engine, tenant) as connection:
        row = await create_transaction(
            connection,
            tenant,
            NewTransaction(
                module=offered.module.code,
                service=service.code,
                channel="web",
                status=service.workflow.initial,
                answers=_json_ready(checked.answers),
                submitter_kind="resident" if resident else "anonymous",
                contact_email=email.strip(),
                resident_subject=resident.subject if resident else None,
                actor=resident.subject if resident else "resident",
            ),
        )
        submitted_at: datetime = row["created_at"]
        derived = on_submitted(
            service, checked.answers, offered.settings, Submission(row["reference"], submitted_at, tenant.slug)
        )
        due = respond_by(service, offered.settings, submitted_at)
        await connection.execute(
            update(transactions)
            .where(transactions.c.id == row["id"])
            .values(
                fee_pence=fee,
                payment_status="due" if fee else None,
                derived=_json_ready(derived),
                due_on=due,
            )
        )
    return Submitted(
        reference=row["reference"],
        fee_pence=fee,
        respond_by=f"{due.day} {due:%B %Y}" if due else None,
        status=service.workflow.initial,
    )


async def record_payment(
    engine: AsyncEngine, tenant: TenantContext, offered: OfferedService, reference: str, payment_id: str, paid: bool
) -> None:
    """A payment came back: paid moves the transaction on from awaiting payment; a failure is noted."""
    workflow = offered.service.workflow
    async with tenant_connection(engine, tenant) as connection:
        row = (
            (
                await connection.execute(
                    transactions.select().where(transactions.c.reference == reference).with_for_update()
                )
            )
            .mappings()
            .one()
        )
        values: dict[str, Any] = {"payment_id": payment_id, "payment_status": "paid" if paid else "failed"}
        target = "paid" if "paid" in workflow.states else "submitted"
        moving = paid and row["status"] == workflow.initial and target in workflow.allowed_from(row["status"])
        if moving:
            values["status"] = target
        values["updated_at"] = datetime.now(UTC)
        await connection.execute(update(transactions).where(transactions.c.id == row["id"]).values(**values))
        if moving:
            await connection.execute(
                insert(transaction_events).values(
                    transaction_id=row["id"],
                    from_status=row["status"],
                    to_status=target,
                    actor="payment",
                    note="Payment received",
                )
            )


def _json_ready(values: Any) -> Any:
    if isinstance(values, dict):
        return {str(key): _json_ready(value) for key, value in values.items()}
    if isinstance(values, list | tuple):
        return [_json_ready(value) for value in values]
    if isinstance(values, str | int | float | bool) or values is None:
        return values
    return str(values)
