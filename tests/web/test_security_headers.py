"""Every answer (pages, APIs, files, errors before any route) says it must not be framed, sends no
address off the site in a Referer, is only what its content type says, and pages run only the scripts
and styles the platform served or marked with that answer's own nonce."""

from __future__ import annotations

import re

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.provider import dev_issuer
from civicshare.settings import Settings
from tests.support import host_for

from .test_pages_over_http import BROWSER, browser_at

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{16,})'")
INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def assert_never_framed_and_no_sniffing(answer: httpx.Response) -> str:
    policy = str(answer.headers.get("content-security-policy", ""))
    assert "frame-ancestors 'none'" in policy, (answer.url, answer.headers)
    assert answer.headers.get("x-frame-options") == "DENY", answer.url
    assert answer.headers.get("referrer-policy") == "same-origin", answer.url
    assert answer.headers.get("x-content-type-options") == "nosniff", answer.url
    return policy


def assert_inline_code_carries_the_nonce(page: httpx.Response) -> None:
    policy = assert_never_framed_and_no_sniffing(page)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonces = set(NONCE.findall(policy))
    assert len(nonces) == 1, policy
    (nonce,) = nonces
    for tag, attributes in INLINE.findall(page.text):
        assert "src=" in attributes or f'nonce="{nonce}"' in attributes, (page.url, tag, attributes)
    assert ' style="' not in page.text, page.url


async def test_pages_allow_only_their_own_scripts_and_styles(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    pages = [
        await http.get("/", headers=browser_at("kingston")),
        await http.get("/track", headers=browser_at("newham")),
        await http.get("/", headers=BROWSER),  # the platform's list of councils
        await http.get("/dev-identity/sign-in", headers=browser_at("kingston")),
        await http.get("/no-such-page", headers=browser_at("kingston")),  # the council's 404 page
    ]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html"), page.url
        assert_inline_code_carries_the_nonce(page)
    first, again = pages[0], await http.get("/", headers=browser_at("kingston"))
    assert NONCE.findall(first.headers["content-security-policy"]) != NONCE.findall(
        again.headers["content-security-policy"]
    ), "a nonce is never used twice"


async def test_the_savings_dashboard_and_back_office_allow_only_their_own_styles(
    http: httpx.AsyncClient, shipped_councils: list[str], settings: Settings
) -> None:
    dev_identity = DevIdentity(settings.data_dir / "dev-identity", dev_issuer(settings))
    operator = dev_identity.issue_token("olu.operator@civicshare.example")
    dashboard = await http.get("/ops/savings", headers={**BROWSER, "Authorization": f"Bearer {operator}"})
    assert dashboard.status_code == 200, dashboard.text
    assert "swatch" in dashboard.text
    assert_inline_code_carries_the_nonce(dashboard)


async def test_apis_files_and_early_errors_are_never_framed_either(
    http: httpx.AsyncClient, shipped_councils: list[str]
) -> None:
    page = await http.get("/", headers=browser_at("kingston"))
    stylesheet = re.search(r'href="(/assets/[^"]+\.css)"', page.text)
    assert stylesheet is not None
    answers = [
        await http.get("/api/v1/council", headers=host_for("kingston")),
        await http.get(stylesheet[1], headers=host_for("kingston")),
        await http.get("/branding/logo", headers=host_for("kingston")),
        await http.get("/api/v1/council", headers=host_for("atlantis")),  # no such council: before any route
        await http.get("/api/v1/council", headers={"Host": "kingston.localhost:evil"}),  # a malformed Host
        await http.post("/api/v1/services/report-pothole/transactions", headers=host_for("kingston"), json=[]),
    ]
    for answer in answers:
        policy = assert_never_framed_and_no_sniffing(answer)
        if answer.headers["content-type"].startswith("image/svg"):
            assert "default-src 'none'" in policy  # the logo keeps its own stricter policy
        else:
            assert policy == "default-src 'none'; frame-ancestors 'none'", (answer.url, policy)
