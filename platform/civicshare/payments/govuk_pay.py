"""GOV.UK Pay adapter: the payment port over GOV.UK Pay's public REST API.

Creates a payment with POST /v1/payments and reads it with GET /v1/payments/{payment_id}; the
resident pays on GOV.UK Pay's own pages (`_links.next_url`) and comes back to `return_url`.
Each council has its own API key (test keys start `api_test_`, live keys `api_live_`).
"""

from __future__ import annotations

from typing import Any

import httpx

from civicshare.payments.port import PaymentFailed, PaymentSession, PaymentStatus, UnknownPayment
from civicshare.settings import GOVUK_PAY_URL

__all__ = ["GOVUK_PAY_URL", "GovUkPayProvider"]

# GOV.UK Pay's `state.code` for failed payments.
_DECLINED = "P0010"
_EXPIRED = "P0020"
_CANCELLED_BY_USER = "P0030"

_IN_PROGRESS = {"created", "started", "submitted", "capturable"}


class GovUkPayProvider:
    """PaymentProvider over GOV.UK Pay. Pass an `httpx.AsyncClient` to share a connection pool."""

    name = "GOV.UK Pay"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = GOVUK_PAY_URL,
        client: httpx.AsyncClient | None = None,
        timeout_seconds: float = 10.0,
        language: str = "en",
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self._client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self._language = language

    async def create_payment(
        self, amount_pence: int, reference: str, description: str, return_url: str
    ) -> PaymentSession:
        body = {
            "amount": amount_pence,
            "reference": reference,
            "description": description,
            "return_url": return_url,
            "language": self._language,
        }
        response = await self._send("POST", "/v1/payments", json=body)
        if response.status_code != httpx.codes.CREATED:
            raise PaymentFailed(f"GOV.UK Pay refused to create the payment: {_explain(response)}")
        payment = _json(response)
        try:
            return PaymentSession(
                id=str(payment["payment_id"]),
                next_url=str(payment["_links"]["next_url"]["href"]),
                status=status_from_state(payment["state"]),
            )
        except (KeyError, TypeError) as missing:
            raise PaymentFailed(f"GOV.UK Pay's answer is missing {missing}") from missing

    async def get_status(self, payment_id: str) -> PaymentStatus:
        response = await self._send("GET", f"/v1/payments/{payment_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            raise UnknownPayment(payment_id)
        if response.status_code != httpx.codes.OK:
            raise PaymentFailed(f"GOV.UK Pay could not report payment {payment_id}: {_explain(response)}")
        payment = _json(response)
        if "state" not in payment:
            raise PaymentFailed("GOV.UK Pay's answer has no state")
        return status_from_state(payment["state"])

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _send(self, method: str, path: str, json: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return await self._client.request(method, self._base_url + path, json=json, headers=self._headers)
        except httpx.HTTPError as failure:
            raise PaymentFailed(f"GOV.UK Pay could not be reached: {failure}") from failure


def status_from_state(state: Any) -> PaymentStatus:
    """Map GOV.UK Pay's `state` object onto the port's statuses."""
    status = state.get("status") if isinstance(state, dict) else None
    if status in _IN_PROGRESS:
        return PaymentStatus.CREATED
    if status == "success":
        return PaymentStatus.SUCCESS
    if status == "cancelled":
        return PaymentStatus.ABANDONED
    if status == "failed":
        code = state.get("code")
        if code == _DECLINED:
            return PaymentStatus.DECLINED
        if code in (_EXPIRED, _CANCELLED_BY_USER):
            return PaymentStatus.ABANDONED
        return PaymentStatus.ERROR
    return PaymentStatus.ERROR


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as failure:
        raise PaymentFailed("GOV.UK Pay's answer was not JSON") from failure
    if not isinstance(payload, dict):
        raise PaymentFailed("GOV.UK Pay's answer was not a JSON object")
    return payload


def _explain(response: httpx.Response) -> str:
    """GOV.UK Pay errors carry `code` and `description`; fall back to the HTTP status."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "description" in payload:
        return f"{payload.get('code', response.status_code)} {payload['description']}"
    return f"HTTP {response.status_code}"
