"""Operators give councils their own domains, colours and logo."""

from __future__ import annotations

import httpx

from tests.admin.conftest import onboard
from tests.support import host_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
SVG = b'<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect/></svg>'


async def test_a_council_answers_on_a_domain_it_is_given(admin: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    domain = f"services.{slug}.gov.uk"
    added = await admin.post(f"/admin/v1/councils/{slug}/domains", json={"domain": domain.upper()})
    assert added.status_code == 201, added.text
    assert added.json()["domains"] == [domain]
    assert (await http.get("/api/v1/council", headers={"Host": domain})).json()["slug"] == slug

    other = (await onboard(admin))["slug"]
    clash = await admin.post(f"/admin/v1/councils/{other}/domains", json={"domain": domain})
    assert clash.status_code == 409
    assert (await admin.post(f"/admin/v1/councils/{slug}/domains", json={"domain": domain})).status_code == 409
    invalid = await admin.post(f"/admin/v1/councils/{slug}/domains", json={"domain": "not a domain"})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "domain"

    removed = await admin.delete(f"/admin/v1/councils/{slug}/domains/{domain}")
    assert removed.status_code == 200 and removed.json()["domains"] == []
    assert (await http.get("/api/v1/council", headers={"Host": domain})).status_code == 404
    assert (await admin.delete(f"/admin/v1/councils/{slug}/domains/{domain}")).status_code == 404


async def test_colours_must_be_hex(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    changed = await admin.patch(f"/admin/v1/councils/{slug}/branding", json={"primary_colour": "#005EA5"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["branding"]["primary_colour"] == "#005EA5"
    refused = await admin.patch(f"/admin/v1/councils/{slug}/branding", json={"primary_colour": "red"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "primary_colour"


async def test_a_logo_is_recognised_by_its_content_and_served_on_the_councils_host(
    admin: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    slug = (await onboard(admin))["slug"]
    path = f"/admin/v1/councils/{slug}/branding/logo"
    # An SVG is served as re-written from its allowed parts (tests/admin/test_svg_logos.py), a PNG as sent.
    svg_served = b'<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect></rect></svg>'
    for name, content, served_as, content_type in (
        ("logo.png", PNG, PNG, "image/png"),
        ("logo.txt", SVG, svg_served, "image/svg+xml"),
    ):
        uploaded = await admin.put(path, files={"data": (name, content, "application/octet-stream")})
        assert uploaded.status_code == 200, uploaded.text
        url = uploaded.json()["branding"]["logo_url"]
        assert url.startswith("/branding/logo?v=")
        served = await http.get(url, headers=host_for(slug))
        assert served.status_code == 200
        assert served.headers["content-type"].startswith(content_type)
        assert served.content == served_as


async def test_wrong_or_oversized_or_active_logos_are_refused(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    path = f"/admin/v1/councils/{slug}/branding/logo"
    refused = {
        "a text file called .png": ("logo.png", b"hello, I am not an image"),
        "a GIF": ("logo.gif", b"GIF89a" + b"\x00" * 20),
        "an SVG with a script": (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        "an SVG with a handler": ("logo.svg", b'<svg onload="alert(1)"></svg>'),
        "too large": ("logo.png", PNG + b"\x00" * 200_001),
    }
    for case, (name, content) in refused.items():
        response = await admin.put(path, files={"data": (name, content, "image/png")})
        assert response.status_code in (413, 422), (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
    assert (await admin.get(f"/admin/v1/councils/{slug}")).json()["branding"]["logo_url"] is None
    huge = await admin.put(path, files={"data": ("logo.png", PNG + b"\x00" * 400_000, "image/png")})
    assert huge.status_code == 413
