"""SANDBOX payments for the demo and tests: no money moves and no card details are real.

The resident is sent to the core's sandbox page (`<pages_url>/<payment id>`), which must say
plainly that it is a sandbox. The outcome is decided by the test card entered there, or by an
explicit choice, so every path (paid, declined, abandoned, provider error) can be shown on purpose.

Payments are kept as files under `store_dir` (the platform's `<data_dir>/sandbox-payments`), so every
worker process sees the same payments: a payment started by one worker is finished on the page another
worker serves. Finishing creates the payment's outcome file exclusively, so a payment is finished once.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from civicshare.payments.port import PaymentSession, PaymentStatus, UnknownPayment


class SandboxOutcome(StrEnum):
    SUCCESS = "success"
    DECLINE = "decline"
    ABANDON = "abandon"
    ERROR = "error"


SANDBOX_CARDS: dict[str, SandboxOutcome] = {
    "4444333322221111": SandboxOutcome.SUCCESS,
    "4000000000000002": SandboxOutcome.DECLINE,
    "4000000000000119": SandboxOutcome.ERROR,
}
"""Sandbox test cards and what happens when one is used; any other number is declined."""

_STATUS_FOR: dict[SandboxOutcome, PaymentStatus] = {
    SandboxOutcome.SUCCESS: PaymentStatus.SUCCESS,
    SandboxOutcome.DECLINE: PaymentStatus.DECLINED,
    SandboxOutcome.ABANDON: PaymentStatus.ABANDONED,
    SandboxOutcome.ERROR: PaymentStatus.ERROR,
}


@dataclass
class SandboxPayment:
    id: str
    amount_pence: int
    reference: str
    description: str
    return_url: str
    status: PaymentStatus = PaymentStatus.CREATED


class PaymentAlreadyFinished(RuntimeError):
    pass


class SandboxPaymentProvider:
    """A PaymentProvider for the sandbox: clearly not GOV.UK Pay, never takes real money."""

    name = "Sandbox payments (no real money)"

    def __init__(self, *, store_dir: Path, pages_url: str = "/sandbox-payments") -> None:
        self._pages_url = pages_url.rstrip("/")
        self._store = store_dir
        self._store.mkdir(parents=True, exist_ok=True)

    async def create_payment(
        self, amount_pence: int, reference: str, description: str, return_url: str
    ) -> PaymentSession:
        if amount_pence < 1:
            raise ValueError("a payment must be for at least 1p")
        payment_id = f"sandbox-{secrets.token_hex(8)}"
        payment = SandboxPayment(payment_id, amount_pence, reference, f"[SANDBOX] {description}", return_url)
        record = {key: value for key, value in asdict(payment).items() if key != "status"}
        draft = self._store / f".{payment_id}.tmp"
        draft.write_text(json.dumps(record))
        draft.replace(self._store / f"{payment_id}.json")
        return PaymentSession(payment_id, f"{self._pages_url}/{payment_id}", PaymentStatus.CREATED)

    async def get_status(self, payment_id: str) -> PaymentStatus:
        return self.payment(payment_id).status

    def payment(self, payment_id: str) -> SandboxPayment:
        """What the sandbox payment page shows: amount, reference, description."""
        if not payment_id.startswith("sandbox-") or not payment_id[8:].isalnum():
            raise UnknownPayment(payment_id)
        try:
            record = json.loads((self._store / f"{payment_id}.json").read_text())
        except FileNotFoundError:
            raise UnknownPayment(payment_id) from None
        payment = SandboxPayment(**record)
        with contextlib.suppress(FileNotFoundError):
            payment.status = PaymentStatus((self._store / f"{payment_id}.outcome").read_text())
        return payment

    def pay_with_card(self, payment_id: str, card_number: str) -> str:
        """The resident submits the sandbox card form; returns the URL to send them back to."""
        digits = "".join(character for character in card_number if character.isdecimal())
        return self.choose(payment_id, SANDBOX_CARDS.get(digits, SandboxOutcome.DECLINE))

    def choose(self, payment_id: str, outcome: SandboxOutcome) -> str:
        """Finish a sandbox payment with an explicit outcome; returns the service's return URL."""
        payment = self.payment(payment_id)
        draft = self._store / f".{payment_id}.{secrets.token_hex(4)}.tmp"
        draft.write_text(_STATUS_FOR[outcome].value)
        try:
            os.link(draft, self._store / f"{payment_id}.outcome")  # fails if another worker finished it first
        except FileExistsError:
            finished = self.payment(payment_id).status
            raise PaymentAlreadyFinished(f"sandbox payment {payment_id} is already {finished}") from None
        finally:
            draft.unlink()
        return payment.return_url
