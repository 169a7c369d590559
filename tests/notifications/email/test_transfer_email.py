"""A resident's pothole is in the neighbouring council's area: when an officer sends it there, the job
worker emails the resident that it was sent on, with its reference there and where to track it, instead
of a bare "closed" update. Real SMTP (aiosmtpd on loopback), a real job worker."""

from __future__ import annotations

import uuid

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.services import PlatformServices
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.places.conftest import give_boundary, operator, operator_key, square
from tests.places.test_transfer import report_pothole_at
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of
from tests.support import host_for

from .conftest import Inbox, html_of, text_of
from .test_through_the_job_worker import arrived, platform_worker

__all__ = ["operator", "operator_key", "platform_worker"]


async def test_the_resident_is_emailed_that_their_request_was_sent_to_the_council_responsible(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    platform_worker: PlatformServices,
    inbox: Inbox,
    dev_identity: DevIdentity,
) -> None:
    here, neighbour = await live_council(**HIGHWAYS), await live_council(**HIGHWAYS)
    resident = f"ravi-{uuid.uuid4().hex[:8]}@example.org"
    reference = await report_pothole_at(http, here, 52.62, -2.03, email=resident)
    await give_boundary(operator, here, square(-2.10, 52.60))
    await give_boundary(operator, neighbour, square(-2.05, 52.60))
    [confirmation] = await arrived(inbox, resident, 1)
    assert reference in confirmation["Subject"]

    officer = {**host_for(here), **BROWSER, **cookie_header(await officer_of(http, dev_identity, here))}
    token = CSRF_INPUT.search((await http.get(f"/staff/requests/{reference}", headers=officer)).text)
    assert token is not None
    sent = await http.post(
        f"/staff/requests/{reference}/transfer",
        data={"council": neighbour, "transfer_note": "Their side of the road", "csrf_token": token[1]},
        headers=officer,
    )
    assert sent.status_code == 303, sent.text

    # The transfer notice from this council and the neighbour's own confirmation; no "closed" update.
    mail = await arrived(inbox, resident, 3)
    assert len(mail) == 3, [message["Subject"] for message in mail]
    neighbour_name = f"Test Council {neighbour}"
    [notice] = [message for message in mail if "We have sent your request" in message["Subject"]]
    assert " ".join(notice["Subject"].split()) == f"We have sent your request {reference} to {neighbour_name}"
    text = text_of(notice)
    [theirs] = [message for message in mail if message is not notice and message is not mail[0]]
    new_reference = theirs["Subject"].rsplit(" ", 1)[1]
    assert new_reference != reference and f"Your reference there is {new_reference}" in text
    assert f"/t/{neighbour}/track?reference={new_reference}" in text or f"{neighbour}." in text
    assert "Their side of the road" not in text  # the officer's note is for staff
    assert neighbour_name in html_of(notice)
    assert not [message for message in mail if "Your request is now" in text_of(message)]


async def test_council_admins_see_and_preview_the_transfer_email_among_their_templates(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, dev_identity: DevIdentity
) -> None:
    slug = await live_council()
    admin = {
        **host_for(slug),
        **BROWSER,
        **cookie_header(await officer_of(http, dev_identity, slug, role=Role.COUNCIL_ADMIN)),
    }
    listed = await http.get("/staff/email", headers=admin)
    assert listed.status_code == 200 and "sent to the council responsible" in listed.text
    form = await http.get("/staff/email/request.transferred", headers=admin)
    assert form.status_code == 200, form.text
    assert "We have sent your request to" in form.text and "new_tracking_url" in form.text
