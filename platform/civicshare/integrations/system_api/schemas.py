"""Wire models of the system API and of the staff API that manages system keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from civicshare.transactions.schemas import TrackedTransaction
from civicshare.transactions.updates import EXTERNAL_REFERENCE_MAX_LENGTH, PUBLIC_UPDATE_MAX_LENGTH

REASON_MAX_LENGTH = 2000
SERVICES_MOST = 100


class SystemRequest(Struct):
    """A request as a council's system reads it: what the resident sent, where it is, and the system's
    own reference for it."""

    reference: str
    service: str
    status: str
    status_label: str
    channel: str
    submitted_at: datetime
    updated_at: datetime
    due_on: date | None
    closed_at: datetime | None
    decision_reason: str | None
    external_reference: str | None
    contact_email: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    usrn: str | None
    answers: dict[str, Any]


class PublicUpdateOut(Struct):
    text: str
    by: str
    at: datetime


class SystemRequestInFull(Struct):
    """One request with what the resident sees when tracking it and the statuses it may move to next."""

    request: SystemRequest
    tracked: TrackedTransaction
    next_statuses: list[str]


class ChangedRequests(Struct):
    """A page of requests changed since the position given, oldest change first. Ask again with
    `next_cursor` for what follows (also when `more` is false: later changes appear there). A request
    changed again later appears again."""

    items: list[SystemRequest]
    next_cursor: str
    more: bool


class StatusMove(Struct, forbid_unknown_fields=True):
    """Move a request to another status of its workflow (closing or rejecting needs a `reason`, an internal
    note unless `reason_public` shows it to the resident), optionally recording the system's own
    reference for it (a CRM case id)."""

    status: Annotated[str, Meta(min_length=1, max_length=40)]
    reason: Annotated[str, Meta(max_length=REASON_MAX_LENGTH)] | None = None
    reason_public: bool = False
    external_reference: Annotated[str, Meta(min_length=1, max_length=EXTERNAL_REFERENCE_MAX_LENGTH)] | None = None


class ExternalReference(Struct, forbid_unknown_fields=True):
    """The system's own reference for a request (a CRM case id), which officers see on the request."""

    external_reference: Annotated[str, Meta(min_length=1, max_length=EXTERNAL_REFERENCE_MAX_LENGTH)]


class NewPublicUpdate(Struct, forbid_unknown_fields=True):
    """Text the resident reads when tracking their request."""

    text: Annotated[str, Meta(min_length=1, max_length=PUBLIC_UPDATE_MAX_LENGTH)]


class AddedPublicUpdate(Struct):
    reference: str
    update: PublicUpdateOut


class SystemKeyOut(Struct):
    """A system key as its council's administrators see it: never its secret."""

    id: int
    key_id: str
    name: str
    scope: Literal["read", "write"]
    works_on: list[str] | None  # None: every service
    state: Literal["active", "revoked", "expired"]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedSystemKey(Struct):
    """The new key, with its secret `key`: shown this once, never again."""

    key: str
    system_key: SystemKeyOut


class NewSystemKeyIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    scope: Literal["read", "write"]
    # The services the key works on (at most SERVICES_MOST); none: every service. (Not `services`: a body
    # field named like a dependency has its errors taken for the server's own by Litestar.)
    works_on: list[Annotated[str, Meta(max_length=63)]] = msgspec.field(default_factory=list)
    expires_at: datetime | None = None
