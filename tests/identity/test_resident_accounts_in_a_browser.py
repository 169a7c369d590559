"""A resident's one account, in Chromium against the real Keycloak: they register at one council on
Keycloak's pages in that council's colours, verify their email from the message Keycloak sends (read from
an SMTP server on loopback), send a request, and are signed in at a second council without a password.
Signing out ends Keycloak's session and every council's; deleting the account removes it from Keycloak. Every
page is checked with axe-core."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from civicshare.db.engine import Database
from civicshare.identity.keycloak_admin import KeycloakProvisioner
from civicshare.identity.keycloak_server import KeycloakInfo
from civicshare.identity.provider import build_identity
from civicshare.identity.tables import sessions
from civicshare.settings import Settings
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.tenancy.lifecycle import announce_council_changes
from civicshare.tenancy.service import onboard_tenant
from tests.notifications.email.conftest import Inbox, free_port, text_of
from tests.support import ServedPlatform, council_definition, record_transaction, tenant_context_for
from tests.web.browsing import assert_accessible, rgb, submit

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]

VERIFY_LINK = re.compile(r"https?://\S+/login-actions/action-token\?\S+")


@pytest.fixture(scope="module")
def keycloak_inbox(keycloak: KeycloakInfo) -> Iterator[Inbox]:
    """Keycloak's realm sends its mail (verification, password reset) to an SMTP server on loopback."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    admin = KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret).admin
    smtp = {"host": "127.0.0.1", "port": str(controller.port), "from": "sign-in@civicshare.example"}
    admin.update_realm(keycloak.realm, {"smtpServer": {**smtp, "fromDisplayName": "civicshare"}})
    yield inbox
    controller.stop()


Council = tuple[str, str, str]  # slug, name, colour


async def council_at_keycloak(database: Database, settings: Settings, colour: str) -> Council:
    """A council offering highways, onboarded into Keycloak (its organization and its sign-in client)."""
    definition = council_definition(
        modules={"highways": ModuleChoice()}, branding={"primary_colour": colour, "secondary_colour": colour}
    )
    async with database.engine.begin() as connection:
        await onboard_tenant(connection, definition)
    hook = build_identity(settings).lifecycle_hook(settings)
    assert await announce_council_changes([hook], [await tenant_context_for(database, definition.slug)]) == []
    return definition.slug, definition.name, colour


@pytest.fixture(scope="module")
async def councils(keycloak_platform: ServedPlatform, keycloak_settings: Settings, database: Database) -> list[Council]:
    """Two councils in their own colours, served with Keycloak (their hosts on the served port)."""
    served_settings = keycloak_settings.model_copy(update={"port": keycloak_platform.port})
    return [await council_at_keycloak(database, served_settings, colour) for colour in ("#00594f", "#8a1538")]


async def keycloak_header(page: Any) -> tuple[str, str]:
    name: str = await page.locator("#cs-council-name").inner_text()
    colour: str = await page.eval_on_selector(".cs-login-header", "e => getComputedStyle(e).backgroundColor")
    return name, colour


async def test_a_new_resident_registers_sends_a_request_is_signed_in_at_a_second_council_and_deletes_it_all(
    page: Any,
    keycloak_platform: ServedPlatform,
    keycloak: KeycloakInfo,
    keycloak_settings: Settings,
    keycloak_inbox: Inbox,
    councils: list[Council],
    database: Database,
) -> None:
    (first, first_name, _), (second, _, _) = councils
    email = f"nia-{uuid.uuid4().hex[:8]}@example.org"
    sent_before = await record_transaction(database, first, email)  # before they had an account

    def at(slug: str, path: str = "/") -> str:
        return f"http://{slug}.localhost:{keycloak_platform.port}{path}"

    # Sign in at the first council: Keycloak's page wears the council's name and colour.
    await page.goto(at(first))
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert page.url.startswith(keycloak_settings.keycloak_url or "")
    assert await keycloak_header(page) == (first_name, rgb("#00594f"))
    await assert_accessible(page)

    # Register; Keycloak asks them to verify their email and sends the link.
    await page.get_by_role("link", name="Create an account").click()
    await page.wait_for_load_state()
    assert await keycloak_header(page) == (first_name, rgb("#00594f"))
    await assert_accessible(page)
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("First name").fill("Nia")
    await page.get_by_label("Last name").fill("Resident")
    await submit(page, "Create an account")
    assert await page.get_by_role("heading", level=1).inner_text() == "Check your email"
    await assert_accessible(page)
    [message] = keycloak_inbox.to(email)
    link = html.unescape(VERIFY_LINK.search(text_of(message))[0])  # type: ignore[index]

    # Following the link, they choose a password (asked only once the email is theirs, so nobody can
    # hold an account on someone else's address), and are signed in, back on the council's site.
    await page.goto(link)
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Choose your password"
    assert await keycloak_header(page) == (first_name, rgb("#00594f"))
    await assert_accessible(page)
    await page.get_by_label("New password").fill("a-Long-9-password")
    await page.get_by_label("Confirm password").fill("a-Long-9-password")
    await submit(page, "Continue")
    assert page.url.startswith(at(first)), page.url
    assert await page.get_by_role("link", name="My requests").is_visible()

    # Send a request while signed in.
    await page.goto(at(first, "/services/report-pothole"))
    await page.get_by_role("button", name="Start now").click()
    await page.wait_for_load_state()
    await page.get_by_label("Describe the location").fill("Outside 3 Mill Lane")
    await submit(page, "Continue")
    await page.get_by_label("Large").check()
    await page.get_by_label("Road").check()
    await submit(page, "Continue")
    assert await page.get_by_role("heading", level=1).inner_text() == "Add photos (optional)"
    await submit(page, "Continue")
    if await page.get_by_label("What is your email address?").count():
        await page.get_by_label("What is your email address?").fill(email)
        await submit(page, "Continue")
    await submit(page, "Accept and send")
    assert await page.locator(".govuk-panel__title").inner_text() == "Request complete"

    # The second council: Keycloak's single sign-on session signs them in without a password.
    await page.goto(at(second))
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert page.url.startswith(at(second)), page.url
    await page.get_by_role("link", name="My requests").click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    assert await page.get_by_role("link", name=re.compile(sent_before)).is_visible()  # joined once verified
    rows = page.locator("tbody .govuk-table__row")
    assert await rows.count() == 2
    await rows.first.get_by_role("link").click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    assert await page.get_by_text("Outside 3 Mill Lane").is_visible()
    assert await page.get_by_text(first_name).first.is_visible()

    # Signing out at the second council ends Keycloak's session and the first council's too.
    await submit(page, "Sign out")
    assert page.url.startswith(at(second)), page.url
    await page.goto(at(first))
    assert await page.get_by_role("link", name="Sign in", exact=True).is_visible()
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert page.url.startswith(keycloak_settings.keycloak_url or ""), "Keycloak signed them in again"
    assert await keycloak_header(page) == (first_name, rgb("#00594f"))

    # Back in with their password, they delete their account: it is gone from Keycloak, at every council.
    await page.get_by_label("Email", exact=True).fill(email)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("a-Long-9-password")
    await submit(page, "Continue")
    assert page.url.startswith(at(first)), page.url
    await page.goto(at(first, "/account/delete"))
    await assert_accessible(page)
    await submit(page, "Delete my account")
    assert await page.get_by_role("link", name="Sign in", exact=True).is_visible()
    provisioner = KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret)
    assert provisioner.find_user_id(email) is None
    await page.goto(at(second))
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert page.url.startswith(keycloak_settings.keycloak_url or ""), "a deleted account was still signed in"


async def test_a_session_renews_with_its_refresh_token_until_keycloak_ends_it(
    page: Any,
    keycloak_platform: ServedPlatform,
    keycloak: KeycloakInfo,
    councils: list[Council],
    database: Database,
) -> None:
    slug, name, colour = councils[1]
    provisioner = KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret)
    email = f"ren-{uuid.uuid4().hex[:8]}@example.org"
    user_id = provisioner.create_user(email, "correct-Horse-9-battery", ["resident"])
    home = f"http://{slug}.localhost:{keycloak_platform.port}/"

    await page.goto(home)
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    assert await keycloak_header(page) == (name, rgb(colour))
    await page.get_by_label("Email", exact=True).fill(email)
    await submit(page, "Continue")
    await assert_accessible(page)  # the password page, in the council's colours too
    await page.get_by_label("Password", exact=True).fill("correct-Horse-9-battery")
    await submit(page, "Continue")
    assert page.url.startswith(home), page.url

    async def access_token_runs_out() -> str:
        async with database.engine.begin() as connection:
            renewed = await connection.execute(
                update(sessions)
                .where(sessions.c.subject == user_id)
                .values(renew_at=sessions.c.created_at)
                .returning(sessions.c.refresh_token)
            )
            return str(renewed.scalar_one())

    # Mid-form, the access token runs out: the session renews with its refresh token and carries on.
    before = await access_token_runs_out()
    await page.goto(home + "my-requests")
    assert await page.get_by_role("heading", level=1).inner_text() == "My requests"
    async with database.engine.begin() as connection:
        after = (await connection.execute(sessions.select().where(sessions.c.subject == user_id))).one()
    assert after.refresh_token != before and after.renew_at > after.created_at

    # Once Keycloak ends the person's session (signed out by an administrator), renewal ends this one.
    provisioner.admin.user_logout(user_id)
    await access_token_runs_out()
    await page.goto(home)
    assert await page.get_by_role("link", name="Sign in", exact=True).is_visible()


async def test_a_resident_who_forgot_their_password_resets_it_from_the_email_keycloak_sends(
    page: Any,
    keycloak_platform: ServedPlatform,
    keycloak: KeycloakInfo,
    keycloak_inbox: Inbox,
    councils: list[Council],
) -> None:
    slug, name, colour = councils[0]
    provisioner = KeycloakProvisioner.connect(keycloak.base_url, keycloak.provisioner_secret)
    email = f"fen-{uuid.uuid4().hex[:8]}@example.org"
    provisioner.create_user(email, "an-Old-7-password", ["resident"])
    home = f"http://{slug}.localhost:{keycloak_platform.port}/"

    await page.goto(home)
    await page.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_load_state()
    await page.get_by_label("Email", exact=True).fill(email)
    await submit(page, "Continue")
    await page.get_by_role("link", name="I have forgotten my password").click()
    await page.wait_for_load_state()
    assert await keycloak_header(page) == (name, rgb(colour))
    await assert_accessible(page)
    await page.get_by_label("Email", exact=True).fill(email)
    await submit(page, "Continue")
    [message] = keycloak_inbox.to(email)
    await page.goto(html.unescape(VERIFY_LINK.search(text_of(message))[0]))  # type: ignore[index]
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Choose your password"
    await page.get_by_label("New password").fill("a-New-8-password")
    await page.get_by_label("Confirm password").fill("a-New-8-password")
    await submit(page, "Continue")
    assert page.url.startswith(home), page.url
    assert await page.get_by_role("link", name="My requests").is_visible()
