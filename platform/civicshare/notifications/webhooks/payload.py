"""What a council system receives: the Standard Webhooks body of an event.

    {"type": "request.status_changed",
     "timestamp": "2026-12-04T11:50:00+00:00",          # when the change happened
     "data": {"event_id": "evt_kingston_42", "council": "kingston",
              "reference": "KNG-2026-000123", "service": "report-pothole",
              "status": "resolved",                       # the request's status after the event, if known
              "changes": {"from_status": "received", "to_status": "resolved",
                          "status_label": "Fixed", "reason": "Filled on Tuesday"}}}

Only the fields listed in `SHARED_FIELDS` ever leave the platform: whatever else an event carries
(internal notes, a resident's contact details, staff names) is left out, so a new field in the outbox
is private until someone decides here that council systems may see it.
"""

from __future__ import annotations

import json
from typing import Any

from civicshare.notifications.events import OutboxEvent

SHARED_FIELDS = frozenset(
    {
        "from_status",
        "to_status",
        "status",
        "status_label",
        "reason",
        "text",
        "to_council",
        "from_council",
        "amount_pence",
        "payment_status",
        "external_reference",
    }
)


def webhook_body(event: OutboxEvent) -> bytes:
    """The exact bytes signed and sent; the same every time for the same event."""
    changes = {key: value for key, value in sorted(event.data.items()) if key in SHARED_FIELDS}
    status = changes.get("to_status", changes.get("status"))
    data: dict[str, Any] = {
        "event_id": event.stable_id,
        "council": event.council,
        "reference": event.reference,
        "service": event.service,
        "status": status,
        "changes": changes,
    }
    body = {"type": event.kind.value, "timestamp": event.occurred_at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
