"""The SANDBOX payment pages: where a resident "pays" in the demo and in tests. No money moves.

Served only when the platform's payment provider is the SandboxPaymentProvider. The page says plainly
that it is a sandbox and lets the resident choose what happens (paid, declined, abandoned, error) or
type a sandbox test card; then it sends them back to the service's return URL.

The sandbox keeps its payments in the memory of the process that created them, so with several
workers a resident can land on a worker that never saw the payment (it answers 404). The demo runs one
worker; production uses GOV.UK Pay, whose pages are its own.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from civicshare.api.problems import Problem
from civicshare.payments.port import UnknownPayment
from civicshare.payments.sandbox import PaymentAlreadyFinished, SandboxOutcome, SandboxPaymentProvider
from civicshare.services import PlatformServices

_OUTCOME_WORDS = {
    SandboxOutcome.SUCCESS: "Pay (succeeds)",
    SandboxOutcome.DECLINE: "Card declined",
    SandboxOutcome.ABANDON: "Give up (abandon the payment)",
    SandboxOutcome.ERROR: "Provider error",
}


def _sandbox(services: PlatformServices) -> SandboxPaymentProvider:
    if not isinstance(services.payments, SandboxPaymentProvider):
        raise Problem(404, "Not found", "This platform takes real payments; there is no sandbox.")
    return services.payments


def _unknown(payment_id: str) -> Problem:
    return Problem(
        404,
        "Sandbox payment not found",
        f"No sandbox payment {payment_id!r} in this process (sandbox payments are kept in memory).",
        name="sandbox-payment-not-found",
    )


@get("/sandbox-payments/{payment_id:str}", media_type=MediaType.HTML, include_in_schema=False)
async def sandbox_payment_page(payment_id: FromPath[str], services: NamedDependency[PlatformServices]) -> str:
    sandbox = _sandbox(services)
    try:
        payment = sandbox.payment(payment_id)
    except UnknownPayment:
        raise _unknown(payment_id) from None
    pounds = f"£{payment.amount_pence / 100:,.2f}"
    buttons = "".join(
        f'<button name="outcome" value="{outcome.value}">{escape(words)}</button> '
        for outcome, words in _OUTCOME_WORDS.items()
    )
    return (
        "<!doctype html><html lang=en><title>Sandbox payment: no real money</title>"
        '<p style="background:#ffdd00;padding:1em;font-weight:bold">Sandbox: no real money. '
        "This page only pretends to take a card payment.</p>"
        f"<h1>Pay {escape(pounds)}</h1><p>{escape(payment.description)}</p>"
        f"<p>Reference: {escape(payment.reference)}</p><p>Status: {escape(payment.status.value)}</p>"
        f'<form method="post">{buttons}</form>'
        '<form method="post"><label>Sandbox card number <input name="card_number"></label>'
        "<button>Pay with this card</button></form>"
        "<p>Test cards: 4444333322221111 succeeds, 4000000000000002 is declined, 4000000000000119 errors.</p>"
    )


@post("/sandbox-payments/{payment_id:str}", include_in_schema=False, status_code=303)
async def sandbox_payment_choice(
    payment_id: FromPath[str],
    services: NamedDependency[PlatformServices],
    data: URLEncodedBody[dict[str, Any]],
) -> Response[Any]:
    sandbox = _sandbox(services)
    try:
        if data.get("card_number"):
            return_url = sandbox.pay_with_card(payment_id, str(data["card_number"]))
        else:
            try:
                outcome = SandboxOutcome(str(data.get("outcome", "")))
            except ValueError:
                raise Problem(422, "Choose what happens", "Choose an outcome or enter a sandbox card.") from None
            return_url = sandbox.choose(payment_id, outcome)
    except UnknownPayment:
        raise _unknown(payment_id) from None
    except PaymentAlreadyFinished as finished:
        raise Problem(409, "Payment already finished", str(finished), name="sandbox-payment-finished") from None
    return Redirect(return_url, status_code=303)
