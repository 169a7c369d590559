"""A pothole reported to one council is in its neighbour's area: an officer sends it there, and both
councils see the link."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.tables import outbox_events
from civicshare.savings.tables import logged_contacts
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, cookie_header
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, officer_of, text_of
from tests.support import host_for, tenant_context_for

from .conftest import give_boundary, square


async def report_pothole_at(
    http: httpx.AsyncClient, slug: str, latitude: float, longitude: float, email: str = "ravi@example.org"
) -> str:
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={
            "answers": {"latitude": latitude, "longitude": longitude, "size": "large", "on": "road"},
            "channel": "web",
            "contact_email": email,
        },
        headers=host_for(slug),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def test_an_officer_sends_a_report_to_the_neighbour_responsible_and_both_see_the_link(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
) -> None:
    here, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    # Reported before the councils' boundaries were on the platform (now a pin across the line is refused).
    reference = await report_pothole_at(http, here, 52.62, -2.03)
    await give_boundary(operator, here, square(-2.10, 52.60))
    await give_boundary(operator, neighbour, square(-2.05, 52.60))  # shares its eastern edge: the pin is there
    officer = {**host_for(here), **BROWSER, **cookie_header(await officer_of(http, dev_identity, here))}

    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    assert "(the pin is in its area)" in text_of(page.text)
    assert 'data-cs-map="view" data-latitude="52.620000" data-longitude="-2.030000"' in page.text  # staff see the pin
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    nowhere = await http.post(
        f"/staff/requests/{reference}/transfer", data={"council": "", "csrf_token": token[1]}, headers=officer
    )
    assert nowhere.status_code == 400 and "Choose the council to send this request to" in nowhere.text
    sent = await http.post(
        f"/staff/requests/{reference}/transfer",
        data={"council": neighbour, "transfer_note": "On their side of the road", "csrf_token": token[1]},
        headers=officer,
    )
    assert sent.status_code == 303, sent.text
    shown = text_of((await http.get(sent.headers["location"], headers=officer)).text)
    neighbour_name = f"Test Council {neighbour}"
    assert f"Sent to {neighbour_name}" in shown
    new_reference = shown.split("their reference is ", 1)[1].split(".")[0].strip()
    assert new_reference != reference

    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "ravi@example.org"}, headers=host_for(here)
    )
    assert tracked.json()["status"] == "rejected" and new_reference in tracked.json()["decision"]["reason"]
    there = await http.get(
        f"/api/v1/transactions/{new_reference}", params={"email": "ravi@example.org"}, headers=host_for(neighbour)
    )
    assert there.status_code == 200 and there.json()["status"] == "submitted"

    their_officer = {**host_for(neighbour), **BROWSER, **cookie_header(await officer_of(http, dev_identity, neighbour))}
    received = text_of((await http.get(f"/staff/requests/{new_reference}", headers=their_officer)).text)
    assert f"Received from Test Council {here} (their reference {reference}" in received
    assert "On their side of the road" in received and "Sent on by" in received

    sender = await tenant_context_for(database, here)
    async with tenant_connection(database.engine, sender) as connection:
        contacts = (await connection.execute(select(logged_contacts.c.reason, logged_contacts.c.reference))).all()
        events = (await connection.execute(select(outbox_events.c.kind, outbox_events.c.data))).all()
    assert contacts == [("wrong_council", reference)]
    transferred = [data for kind, data in events if kind == "request.transferred"]
    assert transferred == [{"council": neighbour, "council_name": neighbour_name, "reference": new_reference}]
    for slug, headers, action in ((here, officer, "Sent the request"), (neighbour, their_officer, "Received the")):
        admin = {**headers, **cookie_header(await officer_of(http, dev_identity, slug, role=Role.COUNCIL_ADMIN))}
        audit = text_of((await http.get("/staff/audit", headers=admin)).text)
        assert action in audit
