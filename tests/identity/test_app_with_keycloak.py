"""The platform with a real Keycloak: councils become organizations, staff and residents sign in, and
forged or misplaced tokens are refused. Tokens come from the TEST ONLY password-grant client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, tzinfo
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from keycloak import KeycloakOpenID

from civicshare.db.engine import Database
from civicshare.identity.announce import announce_front_doors
from civicshare.identity.keycloak_admin import KeycloakProvisioner
from civicshare.identity.keycloak_server import KeycloakInfo
from civicshare.identity.principal import Role
from civicshare.identity.provider import build_identity
from civicshare.identity.tokens import InvalidToken, JwksCache, TokenValidator, http_jwks_fetcher
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantStatus
from civicshare.tenancy.lifecycle import announce_council_changes
from civicshare.tenancy.service import change_status
from civicshare.tenancy.tables import front_doors
from tests.conftest import CouncilFactory
from tests.support import ServedPlatform, host_for, record_transaction, tenant_context_for

from .conftest import PASSWORD, password_token

pytestmark = pytest.mark.keycloak


async def onboard(
    make_council: CouncilFactory, database: Database, keycloak_settings: Settings, **fields: object
) -> str:
    """Onboard a council the way `civicshare tenants sync` does: the council, then its lifecycle hooks."""
    definition = await make_council(**fields)
    await announce_changes(database, keycloak_settings, definition.slug)
    return definition.slug


async def announce_changes(database: Database, keycloak_settings: Settings, slug: str) -> None:
    hook = build_identity(keycloak_settings).lifecycle_hook(keycloak_settings)
    assert await announce_council_changes([hook], [await tenant_context_for(database, slug)]) == []


def person(provisioner: KeycloakProvisioner, email: str, roles: list[str]) -> str:
    return provisioner.create_user(email, PASSWORD, roles)


def web_client(provisioner: KeycloakProvisioner) -> dict[str, Any]:
    client_uuid = provisioner.admin.get_client_id("civicshare-web")
    assert client_uuid is not None
    client: dict[str, Any] = provisioner.admin.get_client(client_uuid)
    return client


def bearer(token: str, slug: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **(host_for(slug) if slug else {})}


async def test_onboarding_creates_the_organization_with_its_domains_and_hosts_once(
    make_council: CouncilFactory,
    database: Database,
    keycloak_settings: Settings,
    keycloak: KeycloakInfo,
    provisioner: KeycloakProvisioner,
    unique: str,
) -> None:
    slug = await onboard(make_council, database, keycloak_settings, domains=[f"c{unique}.gov.example"])
    organization = provisioner.find_organization(slug)
    assert organization is not None
    assert [d["name"] for d in organization["domains"]] == [f"c{unique}.gov.example"]
    web = web_client(provisioner)
    origin = f"http://{slug}.localhost:{keycloak_settings.port}"
    assert f"{origin}/*" in web["redirectUris"]
    assert f"https://c{unique}.gov.example/*" in web["redirectUris"]
    assert f"{origin}/*" in web["attributes"]["post.logout.redirect.uris"]

    await announce_changes(database, keycloak_settings, slug)  # onboarding twice changes nothing
    assert provisioner.find_organization(slug) == organization
    again = web_client(provisioner)
    assert again["redirectUris"] == web["redirectUris"]


async def test_a_front_doors_hosts_may_sign_residents_in_through_the_web_client(
    database: Database, keycloak_settings: Settings, provisioner: KeycloakProvisioner, unique: str
) -> None:
    door = f"area-{unique}"
    async with database.engine.begin() as connection:
        await connection.execute(
            front_doors.insert().values(slug=door, name="An area", domains=[f"{door}.gov.example"])
        )

    assert await announce_front_doors(keycloak_settings, database)

    web = web_client(provisioner)
    origin = f"http://{door}.localhost:{keycloak_settings.port}"
    for allowed in (f"{origin}/*", f"https://{door}.gov.example/*"):
        assert allowed in web["redirectUris"]
        assert allowed in web["attributes"]["post.logout.redirect.uris"]
    assert await announce_front_doors(keycloak_settings, database)  # twice changes nothing
    assert web_client(provisioner)["redirectUris"] == web["redirectUris"]


async def test_suspending_resuming_and_offboarding_follow_the_council(
    make_council: CouncilFactory, database: Database, keycloak_settings: Settings, provisioner: KeycloakProvisioner
) -> None:
    slug = await onboard(make_council, database, keycloak_settings)
    for status, expected in ((TenantStatus.SUSPENDED, False), (TenantStatus.ACTIVE, True)):
        async with database.engine.begin() as connection:
            await change_status(connection, slug, status)
        await announce_changes(database, keycloak_settings, slug)
        organization = provisioner.find_organization(slug)
        assert organization is not None and organization["enabled"] is expected
    async with database.engine.begin() as connection:
        await change_status(connection, slug, TenantStatus.OFFBOARDING)
    await announce_changes(database, keycloak_settings, slug)
    await announce_changes(database, keycloak_settings, slug)
    assert provisioner.find_organization(slug) is None


async def test_staff_added_to_a_council_work_there_and_only_there(
    kc_http: httpx.AsyncClient,
    make_council: CouncilFactory,
    database: Database,
    keycloak_settings: Settings,
    keycloak: KeycloakInfo,
    provisioner: KeycloakProvisioner,
    unique: str,
) -> None:
    a, b, c = [await onboard(make_council, database, keycloak_settings) for _ in range(3)]
    directory = build_identity(keycloak_settings).directory
    email = f"shared-{unique}@example.org"
    await directory.add_staff(a, email, Role.COUNCIL_STAFF)
    await directory.add_staff(b, email, Role.COUNCIL_ADMIN)
    assert await directory.add_staff(a, email, Role.COUNCIL_STAFF)  # again: nothing changes
    person(provisioner, email, [])
    assert await directory.councils_of(email) == sorted([a, b])
    assert [member.email for member in await directory.staff_of(a)] == [email]  # who the team pages list
    assert await directory.staff_of(c) == []

    token = password_token(keycloak, email)["access_token"]
    for slug in (a, b):
        answer = await kc_http.get("/api/v1/staff/me", headers=bearer(token, slug))
        assert answer.status_code == 200, answer.text
        assert sorted(answer.json()["me"]["councils"]) == sorted([a, b])
    refused = await kc_http.get("/api/v1/staff/me", headers=bearer(token, c))
    assert refused.status_code == 403


def forged(token: str, **changes: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    payload.update(changes)
    return header, payload, header_b64


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_forged_and_misplaced_tokens_are_refused(
    kc_http: httpx.AsyncClient,
    keycloak: KeycloakInfo,
    provisioner: KeycloakProvisioner,
    unique: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    email = f"resident-{unique}@example.org"
    person(provisioner, email, ["resident"])
    tokens = password_token(keycloak, email)
    good = tokens["access_token"]
    assert (await kc_http.get("/api/v1/me", headers=bearer(good))).status_code == 200

    header, payload, _ = forged(good, sub="someone-else", realm_access={"roles": ["platform-operator"]})
    body = b64(json.dumps(payload).encode())
    jwks = (await kc_http.get(f"{keycloak.issuer}/protocol/openid-connect/certs")).json()
    rsa_jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public_pem = jwt.PyJWK(rsa_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    none_header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": header["kid"]}).encode())
    hs_header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}).encode())
    hs_mac = b64(hmac.new(public_pem, f"{hs_header}.{body}".encode(), hashlib.sha256).digest())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    master = KeycloakOpenID(server_url=keycloak.base_url, realm_name="master", client_id="admin-cli")
    master_token = master.token(keycloak.admin_user, keycloak.admin_password)["access_token"]
    service_account = KeycloakOpenID(
        server_url=keycloak.base_url,
        realm_name=keycloak.realm,
        client_id="civicshare-provisioner",
        client_secret_key=keycloak.provisioner_secret,
    ).token(grant_type="client_credentials")["access_token"]

    attacks = {
        "tampered claims": f"{good.rsplit('.', 2)[0]}.{body}.{good.rsplit('.', 1)[1]}",
        "alg none": f"{none_header}.{body}.",
        "HS256 keyed with the realm's public key": f"{hs_header}.{body}.{hs_mac}",
        "signed by another key": jwt.encode(payload, other_key, algorithm="RS256", headers={"kid": header["kid"]}),
        "another realm (issuer and key)": master_token,
        "wrong audience (the provisioner's own token)": service_account,
        "an ID token": tokens["id_token"],
        "expired": jwt.encode({**payload, "exp": int(time.time()) - 600}, other_key, algorithm="RS256"),
    }
    caplog.set_level("WARNING", logger="civicshare.identity.refused")
    for name, token in attacks.items():
        answer = await kc_http.get("/api/v1/me", headers=bearer(token))
        assert answer.status_code == 401, f"{name}: {answer.status_code} {answer.text}"
    assert sum("refused a bearer token" in r.getMessage() for r in caplog.records) >= len(attacks) - 1


async def test_a_real_token_is_refused_once_it_has_expired(
    keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = f"late-{unique}@example.org"
    person(provisioner, email, ["resident"])
    token = password_token(keycloak, email)["access_token"]
    jwks = JwksCache(http_jwks_fetcher(f"{keycloak.issuer}/protocol/openid-connect/certs"))
    now = TokenValidator(issuer=keycloak.issuer, audience="civicshare", jwks=jwks, leeway_seconds=30)
    assert (await now.principal(token)).email == email

    class TenMinutesLater(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> TenMinutesLater:
            return cls.fromtimestamp(time.time() + 600, tz)

    # Seen from ten minutes later (the realm's tokens live five minutes).
    monkeypatch.setattr(jwt.api_jwt, "datetime", TenMinutesLater)
    with pytest.raises(InvalidToken, match="expired"):
        await now.principal(token)
    assert jwks.fetches == 1


async def test_a_resident_reads_only_their_own_requests_with_one_account_everywhere(
    kc_http: httpx.AsyncClient,
    make_council: CouncilFactory,
    database: Database,
    keycloak_settings: Settings,
    keycloak: KeycloakInfo,
    provisioner: KeycloakProvisioner,
    unique: str,
) -> None:
    a, b = [await onboard(make_council, database, keycloak_settings) for _ in range(2)]
    rosa_email, sam_email = f"rosa-{unique}@example.org", f"sam-{unique}@example.org"
    rosa_id = person(provisioner, rosa_email, ["resident"])
    sam_id = person(provisioner, sam_email, ["resident"])
    rosa_at_a = await record_transaction(database, a, rosa_email, resident_subject=rosa_id)
    rosa_at_b = await record_transaction(database, b, rosa_email, resident_subject=rosa_id)
    sams = await record_transaction(database, a, sam_email, resident_subject=sam_id)

    rosa = password_token(keycloak, rosa_email)["access_token"]
    assert [t["reference"] for t in (await kc_http.get("/api/v1/me/transactions", headers=bearer(rosa, a))).json()] == [
        rosa_at_a
    ]
    assert [t["reference"] for t in (await kc_http.get("/api/v1/me/transactions", headers=bearer(rosa, b))).json()] == [
        rosa_at_b
    ]
    assert (await kc_http.get(f"/api/v1/me/transactions/{sams}", headers=bearer(rosa, a))).status_code == 404
    sam = password_token(keycloak, sam_email)["access_token"]
    assert (await kc_http.get(f"/api/v1/me/transactions/{sams}", headers=bearer(sam, a))).status_code == 200


async def test_operators_sign_in_to_the_admin_api_with_their_keycloak_role(
    kc_http: httpx.AsyncClient, keycloak: KeycloakInfo, provisioner: KeycloakProvisioner, unique: str
) -> None:
    operator_email, staff_email = f"op-{unique}@example.org", f"st-{unique}@example.org"
    person(provisioner, operator_email, ["platform-operator"])
    person(provisioner, staff_email, ["council-staff"])
    operator = password_token(keycloak, operator_email)["access_token"]
    assert (await kc_http.get("/admin/v1/operator", headers=bearer(operator))).status_code == 200
    staff = password_token(keycloak, staff_email)["access_token"]
    assert (await kc_http.get("/admin/v1/operator", headers=bearer(staff))).status_code == 403


LOGIN_FORM = re.compile(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', re.S)


async def test_a_resident_signs_in_on_the_councils_host_through_keycloak(
    keycloak_platform: ServedPlatform,
    make_council: CouncilFactory,
    database: Database,
    keycloak_settings: Settings,
    keycloak: KeycloakInfo,
    provisioner: KeycloakProvisioner,
    unique: str,
) -> None:
    # The council is served on <slug>.localhost:<port>; the platform listens on 127.0.0.1 (same server).
    served_settings = keycloak_settings.model_copy(update={"port": keycloak_platform.port})
    definition = await make_council()
    slug = definition.slug
    hook = build_identity(served_settings).lifecycle_hook(served_settings)
    assert await announce_council_changes([hook], [await tenant_context_for(database, slug)]) == []
    email = f"browser-{unique}@example.org"
    person(provisioner, email, ["resident"])
    council_host = {"Host": f"{slug}.localhost:{keycloak_platform.port}"}

    async with (
        httpx.AsyncClient(base_url=keycloak_platform.url, timeout=30) as platform,
        httpx.AsyncClient(timeout=30) as browser_at_keycloak,
    ):
        started = await platform.get("/auth/sign-in", params={"next": "/api/v1/me"}, headers=council_host)
        assert started.status_code == 303, started.text
        sign_in_cookie = started.cookies["civicshare_signin"]
        page = await browser_at_keycloak.get(started.headers["location"])
        # With organizations on, Keycloak asks for the username first, then the password.
        for _ in range(3):
            assert page.status_code == 200, page.text[:500]
            action = LOGIN_FORM.search(page.text)
            assert action is not None, page.text[:2000]
            # Keycloak marks its cookies Secure; browsers send them to loopback http, httpx does not by itself.
            keycloak_cookies = "; ".join(f"{c.name}={c.value}" for c in browser_at_keycloak.cookies.jar)
            page = await browser_at_keycloak.post(
                action[1].replace("&amp;", "&"),
                data={"username": email, "password": PASSWORD},
                headers={"Cookie": keycloak_cookies},
            )
            if page.status_code == 302:
                break
        assert page.status_code == 302, page.text[:500]
        logged_in = page
        callback = httpx.URL(logged_in.headers["location"])
        assert callback.host == f"{slug}.localhost"
        finished = await platform.get(
            callback.path,
            params=dict(callback.params),
            headers={**council_host, "Cookie": f"civicshare_signin={sign_in_cookie}"},
        )
        assert finished.status_code == 303, finished.text
        assert finished.headers["location"] == "/api/v1/me"
        session = finished.cookies["civicshare_session"]
        me = await platform.get("/api/v1/me", headers={**council_host, "Cookie": f"civicshare_session={session}"})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email and me.json()["signed_in_with"] == "session"

        tampered = session[:-2] + ("AA" if not session.endswith("AA") else "BB")
        refused = await platform.get("/api/v1/me", headers={**council_host, "Cookie": f"civicshare_session={tampered}"})
        assert refused.status_code == 401

        replayed = await platform.get(
            callback.path,
            params=dict(callback.params),
            headers={**council_host, "Cookie": f"civicshare_signin={sign_in_cookie}"},
        )
        assert replayed.status_code in (400, 401)  # a code is good once
