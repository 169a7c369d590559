"""A real HTTP receiver on loopback that records the events posted to it, and a subscriber that posts
each event to it: the test stand-in for a council system receiving webhooks."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from typing import Any

import httpx
import uvicorn

from civicshare.notifications.events import GiveUp, OutboxEvent


class EventReceiver:
    """Answers POSTs with `status` (204 by default; set it to 503 to fail, 410 to refuse for good) and
    records every event it accepted."""

    def __init__(self) -> None:
        self.status = 204
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_config=None, lifespan="off", interface="asgi3"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}/events"

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = self.status
        try:
            event = _as_event(json.loads(body), dict(scope["headers"]))
        except (ValueError, KeyError, TypeError):  # the sender went away mid-request
            status = 400
        with self._lock:
            if status < 300:
                self.received.append(event)
            else:
                self.refused += 1
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def start(self) -> EventReceiver:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("the receiver did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(event["id"] for event in self.received)

    def of(self, reference: str) -> list[dict[str, Any]]:
        with self._lock:
            return [event for event in self.received if event["reference"] == reference]


class PostingSubscriber:
    """Posts each event as JSON; a 410 is "never deliverable" (GiveUp), any other failure is retried."""

    def __init__(self, url: str, name: str = "test-receiver") -> None:
        self.name = name
        self.url = url
        self.client = httpx.AsyncClient(timeout=5)

    async def handle(self, event: OutboxEvent) -> None:
        answer = await self.client.post(
            self.url,
            json={
                "id": event.stable_id,
                "council": event.council,
                "kind": event.kind.value,
                "reference": event.reference,
                "service": event.service,
                "data": event.data,
            },
        )
        if answer.status_code == 410:
            raise GiveUp("the receiver says this endpoint is gone")
        answer.raise_for_status()


def _as_event(body: dict[str, Any], headers: dict[bytes, bytes]) -> dict[str, Any]:
    """What arrived, as the tests compare it: a signed webhook by its `webhook-id` header and the request
    it names; the plain test subscriber's post as it is."""
    webhook_id = headers.get(b"webhook-id")
    if webhook_id is None:
        return body
    return {"id": webhook_id.decode(), "reference": body["data"]["reference"], "type": body["type"], "signed": True}
