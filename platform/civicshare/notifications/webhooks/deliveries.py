"""What each endpoint is owed, every attempt to pay it, and when an endpoint that keeps failing is disabled.

Reading and recording are separate short transactions: the caller sends in between with no database
connection held, so a slow receiver never keeps a pooled connection (or a transaction) open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    case,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.notifications.events import EventKind
from civicshare.notifications.webhooks.secrets import SecretBox, SecretUnreadable
from civicshare.notifications.webhooks.sending import Attempt
from civicshare.notifications.webhooks.tables import webhook_attempts, webhook_deliveries, webhook_endpoints

THE_PLATFORM = Officer("civicshare", "civicshare (automatic)")
LOG_PAGE_MAX = 200


@dataclass(frozen=True)
class DisablingRule:
    """An endpoint is disabled once its deliveries have failed for `failing_for` without a single success in
    between AND at least `failures` attempts in a row have failed: one late retry after a quiet spell is
    not enough, and neither is a burst of failures within minutes. Only the queue's attempts count, not
    an administrator's manual redeliveries."""

    failing_for: timedelta = timedelta(hours=24)
    failures: int = 5

    def trips(self, failing_since: datetime, failures_in_a_row: int, now: datetime) -> bool:
        return failures_in_a_row >= self.failures and now - failing_since >= self.failing_for

    def reason(self, failing_since: datetime, failures_in_a_row: int) -> str:
        return (
            f"Disabled automatically: {failures_in_a_row} deliveries in a row failed, with none succeeding since "
            f"{failing_since:%d %B %Y %H:%M} UTC."
        )


@dataclass(frozen=True)
class OwedEndpoint:
    id: int
    url: str
    secret: str | None  # None: the platform's key no longer opens it (the secret must be rotated)


def _opened(box: SecretBox, endpoint_id: int, url: str, sealed: str) -> OwedEndpoint:
    try:
        return OwedEndpoint(endpoint_id, url, box.open(sealed, endpoint_id))
    except SecretUnreadable:
        return OwedEndpoint(endpoint_id, url, None)


async def owed_endpoints(
    connection: AsyncConnection, box: SecretBox, events: Sequence[tuple[EventKind, str]]
) -> dict[str, list[OwedEndpoint]]:
    """For each event (its kind and id): the enabled endpoints that want its kind and have not yet
    received it. Two queries however many events; each endpoint's secret is opened once."""
    found: dict[str, list[OwedEndpoint]] = {event_id: [] for _kind, event_id in events}
    endpoints = (
        await connection.execute(
            select(
                webhook_endpoints.c.id,
                webhook_endpoints.c.url,
                webhook_endpoints.c.secret_sealed,
                webhook_endpoints.c.event_types,
            )
            .where(webhook_endpoints.c.enabled)
            .order_by(webhook_endpoints.c.id)
        )
    ).all()
    if not endpoints or not events:
        return found
    delivered = {
        (row.endpoint_id, row.event_id)
        for row in await connection.execute(
            select(webhook_deliveries.c.endpoint_id, webhook_deliveries.c.event_id).where(
                webhook_deliveries.c.event_id == func.any(bindparam("event_ids", type_=ARRAY(String))),
                webhook_deliveries.c.delivered_at.is_not(None),
            ),
            {"event_ids": list(found)},
        )
    }
    opened: dict[int, OwedEndpoint] = {}
    for kind, event_id in events:
        for row in endpoints:
            if row.event_types is not None and kind.value not in row.event_types:
                continue
            if (row.id, event_id) in delivered:
                continue
            if row.id not in opened:
                opened[row.id] = _opened(box, row.id, row.url, row.secret_sealed)
            found[event_id].append(opened[row.id])
    return found


@dataclass(frozen=True)
class Owed:
    endpoint_id: int
    event_id: str
    kind: EventKind
    body: bytes


async def owe(connection: AsyncConnection, owed: Sequence[Owed]) -> None:
    """Remember each event as owed to its endpoint, with the body as signed (kept as first recorded)."""
    if not owed:
        return
    await connection.execute(
        pg_insert(webhook_deliveries).on_conflict_do_nothing(),
        [
            {
                "endpoint_id": item.endpoint_id,
                "event_id": item.event_id,
                "event_type": item.kind.value,
                "body": item.body.decode(),
            }
            for item in owed
        ],
    )


@dataclass(frozen=True)
class Tried:
    """One attempt to send an event to an endpoint, to be logged."""

    endpoint_id: int
    event_id: str
    event_type: str
    attempt: Attempt


def _record_attempts_statement() -> Any:
    given = (
        func.unnest(
            bindparam("tried_endpoint_ids", type_=ARRAY(BigInteger)),
            bindparam("tried_event_ids", type_=ARRAY(String)),
            bindparam("tried_event_types", type_=ARRAY(String)),
            bindparam("tried_status_codes", type_=ARRAY(Integer)),
            bindparam("tried_durations", type_=ARRAY(Integer)),
            bindparam("tried_excerpts", type_=ARRAY(Text)),
            bindparam("tried_errors", type_=ARRAY(Text)),
            bindparam("tried_delivered", type_=ARRAY(Boolean)),
        )
        .table_valued(
            "endpoint_id",
            "event_id",
            "event_type",
            "status_code",
            "duration_ms",
            "response_excerpt",
            "error",
            "delivered",
        )
        .render_derived(name="given")
    )
    tried = select(given).cte("tried")
    now = bindparam("tried_now", type_=DateTime(timezone=True))
    logged = (
        insert(webhook_attempts)
        .from_select(
            [
                "endpoint_id",
                "event_id",
                "event_type",
                "attempted_at",
                "status_code",
                "duration_ms",
                "response_excerpt",
                "error",
                "manual",
            ],
            select(
                tried.c.endpoint_id,
                tried.c.event_id,
                tried.c.event_type,
                now,
                tried.c.status_code,
                tried.c.duration_ms,
                tried.c.response_excerpt,
                tried.c.error,
                bindparam("tried_manual", type_=Boolean),
            ),
        )
        .returning(webhook_attempts.c.id)
        .cte("logged")
    )
    delivery = webhook_deliveries.c
    counted = (
        update(webhook_deliveries)
        .where(delivery.endpoint_id == tried.c.endpoint_id, delivery.event_id == tried.c.event_id)
        .values(
            attempts=delivery.attempts + 1,
            delivered_at=case(
                (tried.c.delivered, func.coalesce(delivery.delivered_at, now)), else_=delivery.delivered_at
            ),
        )
        .returning(delivery.endpoint_id)
        .cte("counted")
    )
    per_endpoint = (
        select(
            tried.c.endpoint_id,
            func.count().filter(tried.c.delivered).label("delivered"),
            func.count().filter(~tried.c.delivered).label("failed"),
        )
        .group_by(tried.c.endpoint_id)
        .subquery("per_endpoint")
    )
    endpoint = webhook_endpoints.c
    succeeded = per_endpoint.c.delivered > 0
    counts = bindparam("tried_counts", type_=Boolean)  # failures count toward disabling (the queue's, not manual)
    return (
        update(webhook_endpoints)
        .where(endpoint.id == per_endpoint.c.endpoint_id)
        .values(
            failing_since=case(
                (succeeded, null()), (counts, func.coalesce(endpoint.failing_since, now)), else_=endpoint.failing_since
            ),
            failures_in_a_row=case(
                (succeeded, 0),
                (counts, endpoint.failures_in_a_row + per_endpoint.c.failed),
                else_=endpoint.failures_in_a_row,
            ),
            last_success_at=case((succeeded, now), else_=endpoint.last_success_at),
        )
        .returning(endpoint.id, endpoint.enabled, endpoint.failing_since, endpoint.failures_in_a_row)
        .add_cte(tried, logged, counted)
    )


RECORD_ATTEMPTS = _record_attempts_statement()
# Two jobs of one council may record attempts at the same endpoints at once: each takes their rows in id
# order first, so neither can hold one the other waits for while waiting for one the other holds.
LOCK_ENDPOINTS = (
    select(webhook_endpoints.c.id)
    .where(webhook_endpoints.c.id == func.any(bindparam("endpoint_ids", type_=ARRAY(BigInteger))))
    .order_by(webhook_endpoints.c.id)
    .with_for_update()
)


async def record_attempts(
    connection: AsyncConnection,
    tries: Sequence[Tried],
    *,
    now: datetime,
    manual: bool = False,
    rule: DisablingRule | None = None,
) -> dict[int, str]:
    """Log the attempts and keep each endpoint's failure count, in one statement however many; the
    endpoints these attempts made the rule disable, with why (their council's admins must be told).

    Attempts made side by side have no order: an endpoint that took any of them succeeded, and the
    failures of one that took none add up."""
    if not tries:
        return {}
    counts = not manual and rule is not None
    await connection.execute(LOCK_ENDPOINTS, {"endpoint_ids": sorted({tried.endpoint_id for tried in tries})})
    failing = (
        await connection.execute(
            RECORD_ATTEMPTS,
            {
                "tried_endpoint_ids": [tried.endpoint_id for tried in tries],
                "tried_event_ids": [tried.event_id for tried in tries],
                "tried_event_types": [tried.event_type for tried in tries],
                "tried_status_codes": [tried.attempt.status_code for tried in tries],
                "tried_durations": [tried.attempt.duration_ms for tried in tries],
                "tried_excerpts": [tried.attempt.response_excerpt for tried in tries],
                "tried_errors": [tried.attempt.error for tried in tries],
                "tried_delivered": [tried.attempt.delivered for tried in tries],
                "tried_now": now,
                "tried_manual": manual,
                "tried_counts": counts,
            },
        )
    ).all()
    if not counts or rule is None:
        return {}
    disabled: dict[int, str] = {}
    for row in failing:
        if row.enabled and row.failing_since is not None and rule.trips(row.failing_since, row.failures_in_a_row, now):
            reason = await _disable(connection, row.id, rule.reason(row.failing_since, row.failures_in_a_row), now)
            if reason is not None:
                disabled[row.id] = reason
    return disabled


async def _disable(connection: AsyncConnection, endpoint_id: int, reason: str, now: datetime) -> str | None:
    endpoint = webhook_endpoints.c
    disabled = await connection.scalar(
        update(webhook_endpoints)
        .where(endpoint.id == endpoint_id, endpoint.enabled)
        .values(enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now)
        .returning(endpoint.id)
    )
    if disabled is None:
        return None
    await record_action(connection, THE_PLATFORM, "webhook.disabled", endpoint=endpoint_id, reason=reason)
    return reason


async def record_attempt(
    connection: AsyncConnection,
    endpoint_id: int,
    event_id: str,
    event_type: str,
    attempt: Attempt,
    *,
    now: datetime,
    manual: bool = False,
    rule: DisablingRule | None = None,
) -> str | None:
    """Log one attempt (`record_attempts`); the reason when it made the rule disable the endpoint."""
    disabled = await record_attempts(
        connection, [Tried(endpoint_id, event_id, event_type, attempt)], now=now, manual=manual, rule=rule
    )
    return disabled.get(endpoint_id)


@dataclass(frozen=True)
class LoggedAttempt:
    id: int
    event_id: str
    event_type: str
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None
    manual: bool
    delivered: bool


async def attempts_of(
    connection: AsyncConnection, endpoint_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[LoggedAttempt]:
    """The endpoint's delivery log, newest first."""
    query = (
        select(webhook_attempts)
        .where(webhook_attempts.c.endpoint_id == endpoint_id)
        .order_by(webhook_attempts.c.id.desc())
        .limit(min(limit, LOG_PAGE_MAX))
    )
    if before_id is not None:
        query = query.where(webhook_attempts.c.id < before_id)
    return [_logged(row) for row in await connection.execute(query)]


def _logged(row: Any) -> LoggedAttempt:
    delivered = row.status_code is not None and 200 <= row.status_code < 300
    return LoggedAttempt(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        attempted_at=row.attempted_at,
        status_code=row.status_code,
        duration_ms=row.duration_ms,
        response_excerpt=row.response_excerpt,
        error=row.error,
        manual=row.manual,
        delivered=delivered,
    )


@dataclass(frozen=True)
class StoredDelivery:
    endpoint: OwedEndpoint
    event_id: str
    event_type: str
    body: bytes


async def stored_delivery(
    connection: AsyncConnection, box: SecretBox, endpoint_id: int, event_id: str
) -> StoredDelivery | None:
    """An event this endpoint was owed (delivered or not), as it was signed, for a manual redelivery."""
    row = (
        await connection.execute(
            select(
                webhook_endpoints.c.url,
                webhook_endpoints.c.secret_sealed,
                webhook_deliveries.c.event_type,
                webhook_deliveries.c.body,
            )
            .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
            .where(webhook_deliveries.c.endpoint_id == endpoint_id, webhook_deliveries.c.event_id == event_id)
        )
    ).first()
    if row is None:
        return None
    endpoint = _opened(box, endpoint_id, row.url, row.secret_sealed)
    return StoredDelivery(endpoint, event_id, row.event_type, row.body.encode())
