"""My account with the demo's dev identity: a resident's requests at every council open with everything
they sent and every update, and requests they sent without signing in join their account (the dev
identity's emails count as verified, as Keycloak's do once the resident has followed the link)."""

from __future__ import annotations

import uuid

import httpx

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.transactions.service import NewTransaction, create_transaction
from civicshare.transactions.updates import add_public_update
from tests.support import host_for, tenant_context_for

from .conftest import CouncilWithOrganization, cookie_header, sign_in_in_browser


async def pothole(database: Database, slug: str, email: str, where: str, subject: str | None = None) -> str:
    """A pothole report as the resident website sends it; returns its reference."""
    council = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, council) as connection:
        row = await create_transaction(
            connection,
            council,
            NewTransaction(
                module="highways",
                service="report-pothole",
                channel="web",
                status="received",
                answers={"location_description": where, "size": "large", "on": "pavement"},
                contact_email=email,
                submitter_kind="resident" if subject else "anonymous",
                resident_subject=subject,
            ),
        )
    return str(row["reference"])


async def test_requests_sent_without_signing_in_join_the_account_and_open_with_what_was_sent(
    http: httpx.AsyncClient, council: CouncilWithOrganization, database: Database, dev_identity: DevIdentity
) -> None:
    a = await council(modules={"highways": ModuleChoice()})
    b = await council(modules={"highways": ModuleChoice()})
    email = f"jo-{uuid.uuid4().hex[:8]}@example.org"
    await dev_identity.add_person(email, "Jo Resident")
    anonymous_at_a = await pothole(database, a, email.upper(), "Outside 12 High Street")  # the case differs
    someone_elses = await pothole(database, a, "someone@example.org", "By the library")
    async with tenant_connection(database.engine, await tenant_context_for(database, a)) as connection:
        await add_public_update(connection, anonymous_at_a, "An inspector will visit on Monday.", author="Kit")

    cookies = await sign_in_in_browser(http, b, email)
    listing = await http.get("/my-requests", headers={**host_for(b), **cookie_header(cookies)})
    assert listing.status_code == 200, listing.text
    assert anonymous_at_a in listing.text and someone_elses not in listing.text
    assert f"/my-requests/{a}/{anonymous_at_a}" in listing.text

    opened = await http.get(f"/my-requests/{a}/{anonymous_at_a}", headers={**host_for(b), **cookie_header(cookies)})
    assert opened.status_code == 200, opened.text
    for shown in ("Outside 12 High Street", "How big is the pothole?", "Large", "Pavement", "An inspector will visit"):
        assert shown in opened.text, shown

    not_theirs = (f"/my-requests/{a}/{someone_elses}", f"/my-requests/{b}/{anonymous_at_a}", "/my-requests/x/X-1")
    for refused in not_theirs:
        answer = await http.get(refused, headers={**host_for(b), **cookie_header(cookies)})
        assert answer.status_code == 404, refused

    http.cookies.clear()  # a visitor who is not signed in
    signed_out = await http.get(f"/my-requests/{a}/{anonymous_at_a}", headers=host_for(b))
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].endswith("/auth/sign-in?next=%2Fmy-requests%2F" + a + "%2F" + anonymous_at_a)
