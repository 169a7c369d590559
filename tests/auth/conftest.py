"""People and tokens of the demo's dev identity, for stories told over HTTP without Keycloak."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.identity.provider import dev_issuer
from civicshare.settings import Settings
from tests.conftest import CouncilFactory
from tests.support import host_for

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def dev_identity(settings: Settings) -> DevIdentity:
    """The served platform's dev identity (same key and store under the test settings' data_dir)."""
    return DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))


CouncilWithOrganization = Callable[..., Awaitable[str]]


@pytest.fixture
def council(make_council: CouncilFactory, dev_identity: DevIdentity) -> CouncilWithOrganization:
    """A council of the test's own, onboarded with its organization in the dev identity; returns its slug."""

    async def make(**fields: object) -> str:
        definition = await make_council(**fields)
        await dev_identity.ensure_council(
            CouncilOrganization(definition.slug, definition.name, tuple(definition.domains), True, ())
        )
        return definition.slug

    return make


async def staff_token(dev_identity: DevIdentity, email: str, *slugs: str, role: Role = Role.COUNCIL_STAFF) -> str:
    for slug in slugs:
        await dev_identity.add_staff(slug, email, role)
    return dev_identity.issue_token(email)


def bearer(token: str, slug: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **(host_for(slug) if slug else {})}


async def sign_in_in_browser(http: httpx.AsyncClient, slug: str, email: str) -> dict[str, str]:
    """Sign in on the council's host through the dev sign-in page; returns the cookies a browser keeps."""
    page = await http.get("/dev-identity/sign-in", params={"next": "/"}, headers=host_for(slug))
    assert page.status_code == 200, page.text
    cookies = {"civicshare_csrf": page.cookies["civicshare_csrf"]}
    match = CSRF_INPUT.search(page.text)
    assert match is not None
    answer = await http.post(
        "/dev-identity/sign-in",
        data={"email": email, "next": "/", "csrf_token": match[1]},
        headers={**host_for(slug), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    assert answer.status_code == 303, answer.text
    cookies["civicshare_session"] = answer.cookies["civicshare_session"]
    return cookies


async def landing_after_sign_in(http: httpx.AsyncClient, signed_in: httpx.Response) -> str:
    """Where a dev identity sign-in lands, past its hop through the dev identity's own host (which
    remembers the person for single sign-on at the other councils): the path on the council's site."""
    remember = httpx.URL(signed_in.headers["location"])
    assert remember.path == "/dev-identity/remember", remember
    back = await http.get(remember.path, params=dict(remember.params))
    assert back.status_code == 303, back.text
    landing = httpx.URL(back.headers["location"])
    return landing.raw_path.decode()


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{key}={value}" for key, value in cookies.items())}
