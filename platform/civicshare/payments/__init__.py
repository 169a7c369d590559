"""Taking payments: the `PaymentProvider` port and its two adapters.

PaymentProvider (Protocol)
    async create_payment(amount_pence, reference, description, return_url) -> PaymentSession
    async get_status(payment_id) -> PaymentStatus
PaymentSession(id, next_url, status); PaymentStatus: created, success, declined, abandoned, error
PaymentFailed (provider unreachable or refused), UnknownPayment (no such payment)

SandboxPaymentProvider: the SANDBOX for demos and tests; outcome chosen by test card or choice.
GovUkPayProvider: GOV.UK Pay's REST API over httpx, one API key per council.
"""

from civicshare.payments.govuk_pay import GovUkPayProvider
from civicshare.payments.port import (
    PaymentFailed,
    PaymentProvider,
    PaymentSession,
    PaymentStatus,
    UnknownPayment,
)
from civicshare.payments.sandbox import SANDBOX_CARDS, SandboxOutcome, SandboxPaymentProvider

__all__ = [
    "SANDBOX_CARDS",
    "GovUkPayProvider",
    "PaymentFailed",
    "PaymentProvider",
    "PaymentSession",
    "PaymentStatus",
    "SandboxOutcome",
    "SandboxPaymentProvider",
    "UnknownPayment",
]
