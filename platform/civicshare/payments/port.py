"""The payment port: how the core takes a resident's payment, whoever the provider is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class PaymentStatus(StrEnum):
    CREATED = "created"
    """Created; the resident has not finished paying yet."""
    SUCCESS = "success"
    DECLINED = "declined"
    """The card was declined."""
    ABANDONED = "abandoned"
    """The resident cancelled or let the payment page time out."""
    ERROR = "error"
    """The provider failed; nothing was taken."""

    @property
    def finished(self) -> bool:
        return self is not PaymentStatus.CREATED


@dataclass(frozen=True)
class PaymentSession:
    """A payment started with a provider: send the resident to `next_url` to pay."""

    id: str
    next_url: str
    status: PaymentStatus


class PaymentFailed(RuntimeError):
    """The provider could not be reached or refused the request; safe to retry later."""


class UnknownPayment(LookupError):
    """The provider has no payment with this id."""


@runtime_checkable
class PaymentProvider(Protocol):
    """Takes card payments. `reference` is the transaction reference (e.g. KNG-2026-000123)."""

    async def create_payment(
        self, amount_pence: int, reference: str, description: str, return_url: str
    ) -> PaymentSession: ...

    async def get_status(self, payment_id: str) -> PaymentStatus: ...
