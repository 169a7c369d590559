"""`make demo` catches every email in a local SMTP sink, and anyone trying the demo reads them on the
platform's own address at /demo-mail: the emails a resident would get."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicshare.notifications.email.capture import MailSink
from civicshare.notifications.email.providers import SmtpProvider
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization
from tests.auth.test_staff_work_queue import HIGHWAYS
from tests.support import ServedPlatform, host_for
from tests.web.browsing import visit

from .conftest import event_for, free_port
from .test_resident_emails import RESIDENT, submit_pothole


@pytest.fixture
def sink(served: ServedPlatform, tmp_path: Path) -> Iterator[MailSink]:
    """The demo's sink, and the served platform showing what it catches (as `civicshare demo` sets it up)."""
    mail_sink = MailSink(tmp_path / "demo-mail", port=free_port())
    mail_sink.start()
    before = served.services.settings
    served.services.settings = before.model_copy(update={"mail_capture_dir": mail_sink.directory})
    yield mail_sink
    served.services.settings = before
    mail_sink.stop()


async def test_no_demo_mail_page_where_mail_is_not_captured(http: httpx.AsyncClient) -> None:
    assert (await http.get("/demo-mail", headers={"Accept": "text/html"})).status_code == 404


async def test_a_person_trying_the_demo_reads_the_confirmation_a_resident_would_get(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    sink: MailSink,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    provider = SmtpProvider(host="127.0.0.1", port=sink.port, from_address="noreply@civicshare.localhost")
    emails = ResidentEmails.from_services(worker_services, provider)
    reference = await submit_pothole(http, slug)
    await emails.handle(event_for(slug, EventKind.SUBMITTED, reference, "report-pothole"))

    listing = await http.get("/demo-mail", headers={"Accept": "text/html"})
    assert listing.status_code == 200 and RESIDENT in listing.text
    link = re.search(rf'href="(/demo-mail/[0-9a-f-]+)">We have your request {reference}<', listing.text)
    assert link is not None, listing.text
    message = await http.get(link[1])
    assert message.status_code == 200 and f"Your reference is {reference}" in message.text
    assert f"Test Council {slug}" in message.text
    html = await http.get(f"{link[1]}/html")
    assert html.status_code == 200 and reference in html.text
    assert html.headers["content-security-policy"].startswith("sandbox")

    assert (await http.get("/demo-mail", headers=host_for(slug))).status_code == 404  # not on a council's site
    assert (await http.get("/demo-mail/..%2F..%2Fetc%2Fpasswd")).status_code == 404
    assert (await http.get("/demo-mail/0000000000000000000-" + "0" * 32)).status_code == 404


async def test_the_demo_shows_what_a_trial_councils_held_back_email_would_have_said(
    http: httpx.AsyncClient, council: CouncilWithOrganization, worker_services: PlatformServices, sink: MailSink
) -> None:
    slug = await council(**HIGHWAYS)  # on trial, as the demo's councils are
    provider = SmtpProvider(host="127.0.0.1", port=sink.port, from_address="noreply@civicshare.localhost")
    reference = await submit_pothole(http, slug)
    await ResidentEmails.from_services(worker_services, provider).handle(
        event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
    )

    listing = await http.get("/demo-mail", headers={"Accept": "text/html"})
    held = listing.text.split("Held back by trial mode")[1]
    assert f"We have your request {reference}" in held and RESIDENT in held
    assert f"Your reference is {reference}" in held and "trial mode" in held


@pytest.mark.browser
async def test_the_demo_mail_pages_pass_axe(
    page: Any, served: ServedPlatform, http: httpx.AsyncClient, live_council: CouncilWithOrganization,
    worker_services: PlatformServices, sink: MailSink,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    provider = SmtpProvider(host="127.0.0.1", port=sink.port, from_address="noreply@civicshare.localhost")
    reference = await submit_pothole(http, slug)
    await ResidentEmails.from_services(worker_services, provider).handle(
        event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
    )
    await visit(page, f"{served.url}/demo-mail")
    await page.get_by_role("link", name=f"We have your request {reference}").click()
    await page.wait_for_load_state()
    await visit(page, page.url)
