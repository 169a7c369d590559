"""The SANDBOX payment pages, `/sandbox-payments/{id}`: where a resident "pays" in the demo and in
tests. No money moves. Served only when the platform's payment provider is the sandbox, and only on
the address of the council whose request the payment is for (anywhere else: 404).

The page says plainly that it is a sandbox and lets the resident type a sandbox test card, or choose
what happens (paid, declined, abandoned, provider error); then it sends them back to the service's
return URL. The sandbox keeps its payments in the memory of the process that made them, so with several
workers a resident can land on one that never saw the payment (a 404); the demo runs one worker and
production uses GOV.UK Pay, whose pages are its own.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from civicshare.http.problems import Problem
from civicshare.payments import PaymentProvider, SandboxOutcome, SandboxPaymentProvider, UnknownPayment
from civicshare.payments.sandbox import SandboxPayment
from civicshare.policy import PUBLIC
from civicshare.web.flow_routes import fee_text
from civicshare.web.site import FieldError, WebRequest

SANDBOX_PAGES = "/sandbox-payments"
OUTCOME_WORDS = {
    SandboxOutcome.SUCCESS: "Payment succeeds",
    SandboxOutcome.DECLINE: "Card declined",
    SandboxOutcome.ABANDON: "Resident gives up",
    SandboxOutcome.ERROR: "Provider error",
}


def _sandbox(provider: PaymentProvider) -> SandboxPaymentProvider:
    if not isinstance(provider, SandboxPaymentProvider):
        raise Problem(
            404, "Page not found", "This platform takes real payments; there is no sandbox.", name="not-found"
        )
    return provider


def _payment(web: WebRequest, sandbox: SandboxPaymentProvider, payment_id: str) -> SandboxPayment:
    """The payment, only on the address of the council whose request it pays (its reference's prefix)."""
    try:
        payment: SandboxPayment | None = sandbox.payment(payment_id)
    except UnknownPayment:
        payment = None
    council = web.tenant
    if payment is None or council is None or payment.reference.partition("-")[0] != council.reference_prefix:
        raise Problem(
            404,
            "Sandbox payment not found",
            "This council has no such sandbox payment.",
            name="sandbox-payment-not-found",
        )
    return payment


def _page(web: WebRequest, payment: SandboxPayment, card: str, errors: list[FieldError], status: int) -> Response[Any]:
    return web.page(
        "sandbox_payment.html",
        status=status,
        current="services",
        payment=payment,
        amount=fee_text(payment.amount_pence),
        answers={"card_number": card},
        outcomes=OUTCOME_WORDS,
        errors=errors,
        action=f"{SANDBOX_PAGES}/{payment.id}",
    )


@get(f"{SANDBOX_PAGES}/{{payment_id:str}}", opt=PUBLIC)
async def sandbox_payment_page(web: NamedDependency[WebRequest], payment_id: FromPath[str]) -> Response[Any]:
    payment = _payment(web, _sandbox(web.site.services.payments), payment_id)
    return _page(web, payment, "", [], 200)


@post(f"{SANDBOX_PAGES}/{{payment_id:str}}", opt=PUBLIC)
async def sandbox_payment_choice(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], payment_id: FromPath[str]
) -> Response[Any]:
    sandbox = _sandbox(web.site.services.payments)
    payment = _payment(web, sandbox, payment_id)
    posted = {key: value for key, value in (await web.request.form()).items() if isinstance(value, str)}
    card = posted.get("card_number", "").strip()
    try:
        outcome = SandboxOutcome(posted["outcome"]) if "outcome" in posted else None
    except ValueError:
        outcome = None
    # The return URL is the service's own, as it gave it (with any /t/<council> prefix already in it).
    if payment.status.finished:  # paid (or not) already: back to the service, which knows
        return Redirect(payment.return_url, status_code=303)
    if outcome is not None:
        return Redirect(sandbox.choose(payment_id, outcome), status_code=303)
    if not card:
        return _page(web, payment, card, [FieldError("card_number", "Enter a card number")], 400)
    return Redirect(sandbox.pay_with_card(payment_id, card), status_code=303)


SANDBOX_HANDLERS = [sandbox_payment_page, sandbox_payment_choice]
