"""Text messages: a resident who gave a mobile number is texted through GOV.UK Notify (the local stand-in
for its API) with the council's own SMS template, once per event; a council in trial mode texts only the
staff numbers it listed, and records the rest as not sent, with why."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.events import EventKind
from civicshare.notifications.texts.provider import NotifyTexts
from civicshare.notifications.texts.residents import ResidentTexts
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization, bearer
from tests.auth.test_staff_work_queue import HIGHWAYS, POTHOLE
from tests.support import host_for

from .conftest import event_for
from .test_notify import API_KEY, NotifyStandIn, notify_url
from .test_resident_emails import RESIDENT, message_rows
from .test_template_api import admin_of

__all__ = ["notify_url"]

SETTINGS = "/api/v1/staff/email/settings"


async def report_with_phone(http: httpx.AsyncClient, slug: str, phone: str) -> str:
    body = {"answers": POTHOLE, "channel": "web", "contact_email": RESIDENT, "contact_phone": phone}
    answer = await http.post("/api/v1/services/report-pothole/transactions", json=body, headers=host_for(slug))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def texts_for(
    http: httpx.AsyncClient, services: PlatformServices, dev_identity: DevIdentity, slug: str, notify_url: str,
    keys: Path, **settings: object,
) -> ResidentTexts:  # fmt: skip
    """The council's administrator sets its SMS templates (and trial numbers); its Notify key is in `keys`."""
    (keys / slug).write_text(API_KEY)
    saved = await http.put(SETTINGS, json=settings, headers=bearer(await admin_of(dev_identity, slug), slug))
    assert saved.status_code == 200, saved.text
    return ResidentTexts(services, NotifyTexts(keys_dir=keys, base_url=notify_url))


async def test_a_resident_who_gave_a_mobile_number_is_texted_once_with_the_councils_sms_template(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    dev_identity: DevIdentity, notify_url: str, tmp_path: Path, database: Database,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    template_id = str(uuid.uuid4())
    chosen = {"request.submitted": template_id}
    texts = await texts_for(http, worker_services, dev_identity, slug, notify_url, tmp_path, sms_template_ids=chosen)
    reference = await report_with_phone(http, slug, "07700 900982")
    NotifyStandIn.received.clear()

    submitted = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
    await texts.handle(submitted)
    await texts.handle(submitted)  # handed over again: not texted twice
    moved = event_for(slug, EventKind.STATUS_CHANGED, reference, "report-pothole", from_status="submitted")
    await texts.handle(moved)  # no SMS template for status changes: no text

    [call] = NotifyStandIn.received
    assert call["path"] == "/v2/notifications/sms"
    body = call["body"]
    assert (body["phone_number"], body["template_id"]) == ("07700 900982", template_id)
    assert body["reference"] == f"{submitted.stable_id}:sms"
    assert body["personalisation"]["reference"] == reference
    assert body["personalisation"]["tracking_url"].endswith(f"/track?reference={reference}")
    [text] = [row for row in await message_rows(database, slug) if str(row["kind"]).startswith("sms:")]
    assert (text["status"], text["provider"], text["recipient"]) == ("sent", "notify-sms", "07700 900982")


async def test_a_trial_council_texts_only_the_staff_numbers_it_listed(
    http: httpx.AsyncClient, council: CouncilWithOrganization, worker_services: PlatformServices,
    dev_identity: DevIdentity, notify_url: str, tmp_path: Path, database: Database,
) -> None:  # fmt: skip
    slug = await council(**HIGHWAYS)  # councils start in trial mode
    texts = await texts_for(
        http, worker_services, dev_identity, slug, notify_url, tmp_path,
        sms_template_ids={"request.submitted": str(uuid.uuid4())}, trial_phone_numbers=["+44 7700 900111"],
    )  # fmt: skip
    residents = await report_with_phone(http, slug, "07700 900222")
    officers_own = await report_with_phone(http, slug, "07700900111")
    NotifyStandIn.received.clear()

    await texts.handle(event_for(slug, EventKind.SUBMITTED, residents, "report-pothole"))
    await texts.handle(event_for(slug, EventKind.SUBMITTED, officers_own, "report-pothole"))

    assert [call["body"]["phone_number"] for call in NotifyStandIn.received] == ["07700900111"]
    rows = {row["reference"]: row for row in await message_rows(database, slug)}
    assert rows[residents]["status"] == "held"
    assert "trial mode" in str(rows[residents]["why"]) and "staff" in str(rows[residents]["why"])
    assert rows[officers_own]["status"] == "sent"


async def test_a_number_that_is_not_a_uk_phone_number_is_refused_with_why(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await live_council(**HIGHWAYS)
    body = {"answers": POTHOLE, "channel": "web", "contact_email": RESIDENT, "contact_phone": "call me maybe"}
    answer = await http.post("/api/v1/services/report-pothole/transactions", json=body, headers=host_for(slug))
    assert answer.status_code == 422, answer.text
    assert "UK mobile phone number" in answer.text and "contact_phone" in answer.text

    admin = bearer(await admin_of(dev_identity, slug), slug)
    wrong = {"sms_template_ids": {"request.submitted": "not-a-uuid"}, "trial_phone_numbers": ["12"]}
    refused = await http.put(SETTINGS, json=wrong, headers=admin)
    assert refused.status_code == 422, refused.text
    assert "looks like a UUID" in refused.text and "Not a UK phone number: 12" in refused.text
