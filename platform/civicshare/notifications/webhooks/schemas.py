"""The webhooks API's bodies and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from civicshare.notifications.events import EventKind
from civicshare.notifications.webhooks.deliveries import LoggedAttempt
from civicshare.notifications.webhooks.endpoints import DESCRIPTION_MAX_LENGTH, REASON_MAX_LENGTH, Endpoint
from civicshare.notifications.webhooks.sending import Attempt
from civicshare.notifications.webhooks.targets import URL_MAX_LENGTH


class NewEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=URL_MAX_LENGTH, description="where events are POSTed; https in production")
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    event_types: list[EventKind] | None = Field(
        default=None, min_length=1, description="the kinds of event to send; leave out (or null) for every kind"
    )


class EndpointChanges(BaseModel):
    """Only the fields given change; `event_types: null` means every kind."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=URL_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)
    event_types: list[EventKind] | None = Field(default=None, min_length=1)


class DisableRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH, description="why, for the other admins")


class EndpointResource(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[EventKind] | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    failures_in_a_row: int
    last_success_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointResource:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types) if endpoint.event_types is not None else None,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            disabled_at=endpoint.disabled_at,
            failing_since=endpoint.failing_since,
            failures_in_a_row=endpoint.failures_in_a_row,
            last_success_at=endpoint.last_success_at,
            created_by=endpoint.created_by,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class EndpointWithSecret(EndpointResource):
    secret: str = Field(description="the signing secret (Standard Webhooks, whsec_...): shown this once only")


class AttemptResource(BaseModel):
    id: int
    event_id: str
    event_type: str
    attempted_at: datetime
    delivered: bool
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None
    manual: bool

    @classmethod
    def of(cls, logged: LoggedAttempt) -> AttemptResource:
        return cls(**logged.__dict__)


class AttemptPage(BaseModel):
    items: list[AttemptResource]
    next_cursor: str | None = Field(description="pass as `before` for older attempts; null at the end")


class RedeliveryResult(BaseModel):
    event_id: str
    delivered: bool
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None

    @classmethod
    def of(cls, event_id: str, attempt: Attempt) -> RedeliveryResult:
        return cls(event_id=event_id, delivered=attempt.delivered, **attempt.__dict__)
