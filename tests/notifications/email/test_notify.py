"""GOV.UK Notify: the council's own template id and the placeholders' values reach Notify's API (a
stand-in on loopback that checks the client's signed token as Notify does)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from civicshare.db.engine import Database, tenant_connection
from civicshare.notifications.email import store
from civicshare.notifications.email.message import CouncilEmailSettings
from civicshare.notifications.email.providers import NotifyProvider
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind, GiveUp
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization
from tests.auth.test_staff_work_queue import HIGHWAYS
from tests.support import tenant_context_for

from .conftest import event_for
from .test_resident_emails import RESIDENT, message_rows, submit_pothole

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"test_key-{SERVICE_ID}-{SECRET}"


class NotifyStandIn(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            self._answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}], "status_code": 403})
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append({"path": self.path, "issuer": claims["iss"], "body": body})
        if self.path not in ("/v2/notifications/email", "/v2/notifications/sms"):
            self._answer(404, {"errors": [{"error": "NotFound"}], "status_code": 404})
        elif body["template_id"] == "00000000-0000-0000-0000-000000000000":
            message = "Template not found"
            self._answer(400, {"errors": [{"error": "BadRequestError", "message": message}], "status_code": 400})
        else:
            self._answer(201, {"id": str(uuid.uuid4()), "reference": body.get("reference"), "content": {}})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def notify_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotifyStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_notify_receives_the_councils_template_id_and_personalisation(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    notify_url: str, tmp_path: Path, database: Database,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    (tmp_path / slug).write_text(API_KEY + "\n")
    template_id = str(uuid.uuid4())
    async with tenant_connection(database.engine, await tenant_context_for(database, slug)) as connection:
        chosen = CouncilEmailSettings(notify_template_ids={"request.submitted": template_id})
        await store.save_settings(connection, chosen, "tests")
    emails = ResidentEmails.from_services(worker_services, NotifyProvider(keys_dir=tmp_path, base_url=notify_url))
    reference = await submit_pothole(http, slug)
    NotifyStandIn.received.clear()

    event = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
    await emails.handle(event)
    await emails.handle(event)

    [call] = NotifyStandIn.received
    assert call["issuer"] == SERVICE_ID
    body = call["body"]
    assert (body["email_address"], body["template_id"], body["reference"]) == (RESIDENT, template_id, event.stable_id)
    assert body["personalisation"]["reference"] == reference
    assert body["personalisation"]["tracking_url"].endswith(f"/track?reference={reference}")
    assert body["personalisation"]["council_name"] == f"Test Council {slug}"
    [row] = await message_rows(database, slug)
    assert row["status"] == "sent" and row["provider"] == "notify"


async def test_a_template_notify_does_not_know_is_recorded_as_failed_and_not_retried(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    notify_url: str, tmp_path: Path, database: Database,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    (tmp_path / slug).write_text(API_KEY)
    async with tenant_connection(database.engine, await tenant_context_for(database, slug)) as connection:
        unknown = CouncilEmailSettings(
            notify_template_ids={"request.submitted": "00000000-0000-0000-0000-000000000000"}
        )
        await store.save_settings(connection, unknown, "tests")
    emails = ResidentEmails.from_services(worker_services, NotifyProvider(keys_dir=tmp_path, base_url=notify_url))
    reference = await submit_pothole(http, slug)

    with pytest.raises(GiveUp, match="Template not found"):
        await emails.handle(event_for(slug, EventKind.SUBMITTED, reference, "report-pothole"))

    [row] = await message_rows(database, slug)
    assert row["status"] == "failed" and "Template not found" in str(row["why"])
