"""A council administrator changes the emails to residents in the back office, without JavaScript:
previews the words, is told plainly what is wrong with a bad template, saves, and sees what was sent."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, officer_of, text_of
from tests.support import ServedPlatform, host_for
from tests.web.browsing import submit, visit

from .conftest import Inbox, event_for
from .conftest import text_of as mail_text
from .test_resident_emails import RESIDENT, submit_pothole

HIGHWAYS = {"modules": {"highways": {"enabled": True}}}
FORM = "/staff/email/request.status_changed"


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


async def test_an_administrator_previews_fixes_and_saves_the_update_email_and_the_resident_reads_it(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity,
    resident_emails: ResidentEmails, inbox: Inbox,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN)),
    }
    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}

    home = await http.get("/staff/email", headers=admin)
    assert home.status_code == 200 and "Update when a request&#39;s status changes" in home.text
    form = await http.get(FORM, headers=admin)
    assert form.status_code == 200 and "Your request is now: Fixed" in text_of(form.text)  # the preview
    words = {
        "subject": "{{ reference }}: {{ status }}",
        "body_text": "^ {{ reference }}\n\nIt is now {{ status }}.\n{% if reason %}\nWhy: {{ reason }}\n{% endif %}",
        "body_html": "",
        "csrf_token": token_of(form),
    }
    previewed = await http.post(FORM, data={**words, "action": "preview"}, headers=admin)
    assert previewed.status_code == 200 and "It is now Fixed." in text_of(previewed.text)

    bad = await http.post(FORM, data={**words, "body_text": "It is now {{ state }}", "action": "save"}, headers=admin)
    assert bad.status_code == 400
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', bad.text, re.S)
    assert summary is not None and 'href="#body_text"' in summary[0]
    assert "state, which is not a placeholder" in text_of(summary[0])
    assert "It is now {{ state }}" in bad.text.replace("&#39;", "'")  # what they typed is kept

    saved = await http.post(FORM, data={**words, "action": "save"}, headers=admin)
    assert saved.status_code == 303 and saved.headers["location"].endswith("/staff/email?done=saved")
    assert "Your own wording" in (await http.get("/staff/email", headers=admin)).text

    reference = await submit_pothole(http, slug)
    update = event_for(
        slug, EventKind.STATUS_CHANGED, reference, "report-pothole",
        from_status="received", to_status="in_progress", status_label="In progress", reason="",
    )  # fmt: skip
    await resident_emails.handle(update)
    [mail] = inbox.to(RESIDENT)
    assert mail["Subject"] == f"{reference}: In progress"
    assert "It is now In progress." in mail_text(mail) and "Why:" not in mail_text(mail)
    listed = await http.get("/staff/email", headers=admin)
    assert reference in listed.text and "Sent" in listed.text

    # Officers who are not administrators, and administrators of another council, change nothing
    assert (await http.get("/staff/email", headers=officer)).status_code == 403
    assert (await http.post(FORM, data={**words, "action": "save"}, headers=officer)).status_code == 403
    other = await live_council(**HIGHWAYS)
    their_admin = cookie_header(await officer_of(http, dev_identity, other, Role.COUNCIL_ADMIN))
    assert (await http.get("/staff/email", headers={**host_for(slug), **BROWSER, **their_admin})).status_code == 403


@pytest.mark.browser
async def test_the_email_pages_pass_axe(
    page: Any, served: ServedPlatform, council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await council(**HIGHWAYS)
    name = f"ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_ADMIN)
    base = f"http://{slug}.localhost:{served.port}"
    await visit(page, f"{base}/dev-identity/sign-in?next=/")
    await submit(page, f"Sign in as {name}")
    await visit(page, f"{base}/staff/email")
    await visit(page, f"{base}{FORM}")
    await page.get_by_label("Message").fill("It is now {{ state }}")
    await submit(page, "Save", status=400)
    assert "not a placeholder" in await page.locator(".govuk-error-summary").inner_text()
    await visit(page, f"{base}/staff/email")
    await page.get_by_label("Reply-to address").fill("not an address")
    await submit(page, "Save settings", status=400)
