"""A council's administrator rewords the emails residents get through the API: a template that could not
be filled in is refused when saved, with why; the next email uses the new words; no administrator
reaches another council's templates, settings or messages."""

from __future__ import annotations

import uuid

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from tests.admin.conftest import make_key
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.auth.test_staff_work_queue import HIGHWAYS

from .conftest import Inbox, event_for, text_of
from .test_resident_emails import RESIDENT, submit_pothole

TEMPLATES = "/api/v1/staff/email/templates"
CONFIRMATION = f"{TEMPLATES}/request.submitted"


async def admin_of(dev_identity: DevIdentity, slug: str) -> str:
    return await staff_token(dev_identity, f"ada-{uuid.uuid4().hex[:6]}@example.org", slug, role=Role.COUNCIL_ADMIN)


async def test_an_administrator_rewords_the_confirmation_and_the_next_resident_reads_it(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity,
    resident_emails: ResidentEmails, inbox: Inbox,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    ada = await admin_of(dev_identity, slug)

    listed = await http.get(TEMPLATES, headers=bearer(ada, slug))
    assert listed.status_code == 200, listed.text
    assert [(t["kind"], t["is_default"]) for t in listed.json()] == [
        ("request.submitted", True),
        ("request.status_changed", True),
        ("request.updated", True),
        ("request.transferred", True),
    ]
    assert "tracking_url" in listed.json()[0]["placeholders"]

    words = {
        "subject": "Thanks - {{ reference }}",
        "body_text": "^ Reference: {{ reference }}\n\nWe fix potholes within 5 days.\n\n{{ tracking_url }}",
    }
    preview = await http.post(f"{CONFIRMATION}/preview", json=words, headers=bearer(ada, slug))
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Thanks - KNG-2026-000123"
    assert "We fix potholes within 5 days." in preview.json()["html"]
    saved = await http.put(CONFIRMATION, json=words, headers=bearer(ada, slug))
    assert saved.status_code == 200, saved.text
    assert saved.json()["is_default"] is False and saved.json()["updated_by"].startswith("ada-")
    settings = await http.put(
        "/api/v1/staff/email/settings", json={"reply_to": "potholes@council.example"}, headers=bearer(ada, slug)
    )
    assert settings.status_code == 200, settings.text

    reference = await submit_pothole(http, slug)
    await resident_emails.handle(event_for(slug, EventKind.SUBMITTED, reference, "report-pothole"))

    [mail] = inbox.to(RESIDENT)
    assert mail["Subject"] == f"Thanks - {reference}"
    assert mail["Reply-To"] == "potholes@council.example"
    assert "We fix potholes within 5 days." in text_of(mail)

    saved_preview = await http.post(f"{CONFIRMATION}/preview", headers=bearer(ada, slug))  # no body: the saved one
    assert saved_preview.status_code == 200 and saved_preview.json()["subject"] == "Thanks - KNG-2026-000123"

    assert (await http.delete(CONFIRMATION, headers=bearer(ada, slug))).status_code == 204
    assert (await http.get(CONFIRMATION, headers=bearer(ada, slug))).json()["is_default"] is True


async def test_a_template_that_could_not_be_filled_in_is_refused_when_saved_with_why(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await live_council(**HIGHWAYS)
    ada = await admin_of(dev_identity, slug)

    for body_text, why in [
        ("Your ref is {{ referance }}", "referance, which is not a placeholder"),
        ("{{ reference.__class__ }}", "may only use {{ placeholder }}"),
        ("{% for x in reference %}{{ x }}{% endfor %}", "may only use {{ placeholder }}"),
        ("Your ref is {{ reference", "cannot be read (line 1)"),
        ("Now {{ status }}", "status, which is not a placeholder"),  # only status changes have a status
    ]:
        refused = await http.put(
            CONFIRMATION, json={"subject": "Hello", "body_text": body_text}, headers=bearer(ada, slug)
        )
        assert refused.status_code == 422, body_text
        assert refused.headers["content-type"].startswith("application/problem+json")
        [error] = refused.json()["errors"]
        assert error["field"] == "body_text" and why in error["message"], error

    no_subject = await http.put(CONFIRMATION, json={"subject": " ", "body_text": "Hi"}, headers=bearer(ada, slug))
    assert no_subject.status_code == 422 and no_subject.json()["errors"][0]["field"] == "subject"
    unknown = await http.put(
        f"{TEMPLATES}/request.exploded", json={"subject": "a", "body_text": "b"}, headers=bearer(ada, slug)
    )
    assert unknown.status_code == 404
    bad_settings = await http.put(
        "/api/v1/staff/email/settings",
        json={"reply_to": "not an address", "notify_template_ids": {"request.submitted": "nope"}},
        headers=bearer(ada, slug),
    )
    assert bad_settings.status_code == 422
    assert {e["field"] for e in bad_settings.json()["errors"]} == {"reply_to", "notify_template_ids.request.submitted"}
    assert (await http.get(CONFIRMATION, headers=bearer(ada, slug))).json()["is_default"] is True


async def test_no_administrator_reaches_another_councils_templates_settings_or_messages(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity,
    resident_emails: ResidentEmails, inbox: Inbox, database: Database,
) -> None:  # fmt: skip
    ours, theirs = await live_council(**HIGHWAYS), await live_council(**HIGHWAYS)
    ada, tess = await admin_of(dev_identity, ours), await admin_of(dev_identity, theirs)
    officer = await staff_token(dev_identity, f"olive-{uuid.uuid4().hex[:6]}@example.org", ours)
    reference = await submit_pothole(http, ours)
    await resident_emails.handle(event_for(ours, EventKind.SUBMITTED, reference, "report-pothole"))
    words = {"subject": "Hijacked {{ reference }}", "body_text": "Hijacked"}

    for method, path, body in [
        ("GET", TEMPLATES, None),
        ("GET", CONFIRMATION, None),
        ("PUT", CONFIRMATION, words),
        ("DELETE", CONFIRMATION, None),
        ("POST", f"{CONFIRMATION}/preview", words),
        ("GET", "/api/v1/staff/email/settings", None),
        ("PUT", "/api/v1/staff/email/settings", {"reply_to": "evil@example.org"}),
        ("GET", "/api/v1/staff/email/messages", None),
    ]:
        for token, why in [(tess, "another council's administrator"), (officer, "an officer who is not an admin")]:
            answer = await http.request(method, path, json=body, headers=bearer(token, ours))
            assert answer.status_code == 403, (method, path, why)
        spoofed = await http.request(method, path, json=body, headers={**bearer(tess, theirs), "X-Tenant": ours})
        assert spoofed.status_code in (200, 204, 403, 400), spoofed.text
        if spoofed.status_code == 200 and method == "GET" and path.endswith("messages"):
            assert spoofed.json() == []  # the host's council (theirs) has sent nothing
    assert (await http.get("/api/v1/staff/email/messages", headers=bearer(ada, ours))).json()[0][
        "reference"
    ] == reference
    assert (await http.get(CONFIRMATION, headers=bearer(ada, ours))).json()["is_default"] is True
    assert (await http.get("/api/v1/staff/email/settings", headers=bearer(ada, ours))).json()["reply_to"] is None

    assert (await http.get(f"/admin/v1/councils/{ours}/email/templates", headers=bearer(tess))).status_code == 401


async def test_an_operator_reads_and_changes_a_councils_email_through_the_admin_api(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, database: Database
) -> None:
    slug = await live_council(**HIGHWAYS)
    full = {"Authorization": f"Bearer {await make_key(database, 'full')}"}
    read = {"Authorization": f"Bearer {await make_key(database, 'read')}"}
    base = f"/admin/v1/councils/{slug}/email"

    assert (await http.get(f"{base}/templates", headers=read)).status_code == 200
    words = {"subject": "Update on {{ reference }}", "body_text": "Now: {{ status }}"}
    assert (await http.put(f"{base}/templates/request.status_changed", json=words, headers=read)).status_code == 403
    saved = await http.put(f"{base}/templates/request.status_changed", json=words, headers=full)
    assert saved.status_code == 200, saved.text
    assert saved.json()["updated_by"].startswith("operator ")
    bad = await http.put(
        f"{base}/templates/request.status_changed", json={"subject": "x", "body_text": "{{ x }}"}, headers=full
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body_text"
    assert (await http.get("/admin/v1/councils/no-such-council/email/settings", headers=full)).status_code == 404
    assert (await http.get(f"{base}/messages", headers=full)).json() == []


async def test_the_public_update_email_has_a_default_an_administrator_can_preview_and_reword(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await live_council(**HIGHWAYS)
    ada = await admin_of(dev_identity, slug)
    update = f"{TEMPLATES}/request.updated"

    default = await http.get(update, headers=bearer(ada, slug))
    assert default.status_code == 200, default.text
    assert default.json()["is_default"] is True and "update" in default.json()["placeholders"]
    shown = await http.post(
        f"{update}/preview",
        json={"subject": default.json()["subject"], "body_text": default.json()["body_text"]},
        headers=bearer(ada, slug),
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["subject"] == "An update on your request KNG-2026-000123"
    assert "will fill it on Tuesday" in shown.json()["text"]

    not_a_placeholder = await http.put(
        update, json={"subject": "{{ status }}", "body_text": "{{ update }}"}, headers=bearer(ada, slug)
    )
    assert not_a_placeholder.status_code == 422, not_a_placeholder.text
    assert "status" in not_a_placeholder.text
