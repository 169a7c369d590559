from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.problems import Problem
from civicshare.transactions.service import find_by_reference_and_email, status_history


class StatusChange(Struct):
    status: str
    at: datetime
    note: str | None


class TrackedTransaction(Struct):
    reference: str
    service: str
    status: str
    channel: str
    submitted_at: datetime
    history: list[StatusChange]


@get("/api/v1/transactions/{reference:str}", tags=["transactions"])
async def track_transaction(
    reference: FromPath[str],
    tenant_db: NamedDependency[AsyncConnection],
    email: Annotated[str, QueryParameter(min_length=3, max_length=254)],
) -> TrackedTransaction:
    """Track a request with its reference and the email address given when it was made."""
    found = await find_by_reference_and_email(tenant_db, reference, email)
    if found is None:
        # The same answer whether the reference is unknown or the email differs: nothing leaks.
        raise Problem(
            404,
            "Request not found",
            "No request matches that reference and email address.",
            name="transaction-not-found",
        )
    history = await status_history(tenant_db, found["id"])
    return TrackedTransaction(
        reference=found["reference"],
        service=found["service"],
        status=found["status"],
        channel=found["channel"],
        submitted_at=found["created_at"],
        history=[StatusChange(event["to_status"], event["created_at"], event["note"]) for event in history],
    )
