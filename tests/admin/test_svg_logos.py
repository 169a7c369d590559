"""An operator uploads a council's SVG logo: anything a browser would run in it is refused, whatever
namespace prefix, entity or encoding trick hides it, and what is served is only what the allow-list
keeps (the logo's content-security policy stays as a second wall)."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.conftest import onboard
from tests.support import host_for

SVG = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'

ACTIVE_LOGOS = {
    "a script in the XHTML namespace": (
        f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>'
    ),
    "a script behind an svg namespace prefix": (
        f'<svg {SVG} xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>'
    ),
    "a CDATA script behind a prefix": (
        f'<svg {SVG} xmlns:s="http://www.w3.org/2000/svg"><s:script><![CDATA[alert(1)]]></s:script></svg>'
    ),
    "a javascript: link spelt with a character reference": (
        f'<svg {SVG} {XLINK}><a xlink:href="&#106;avascript:alert(1)"><rect width="9" height="9"/></a></svg>'
    ),
    "an xlink:href javascript: with an encoded colon": (
        f'<svg {SVG} {XLINK}><a xlink:href="javascript&#58;alert(1)"><rect width="9" height="9"/></a></svg>'
    ),
    "a foreignObject behind a prefix": (
        f'<svg {SVG} xmlns:s="http://www.w3.org/2000/svg"><s:foreignObject><iframe '
        'xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example/"/></s:foreignObject></svg>'
    ),
    "a use of an external document": f'<svg {SVG}><use href="https://evil.example/sprite.svg#logo"/></svg>',
    "an animation that turns a link into javascript:": (
        f'<svg {SVG}><a href="#x"><animate attributeName="href" values="&#106;avascript:alert(1)"/>'
        '<rect width="9" height="9"/></a></svg>'
    ),
    "an onload handler": f'<svg {SVG} onload="alert(1)"><rect width="9" height="9"/></svg>',
    "a classic script": f"<svg {SVG}><script><![CDATA[alert(1)]]></script></svg>",
    "entity expansion": (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<svg {SVG}><text>&b;</text></svg>"
    ),
    "an external stylesheet import": f"<svg {SVG}><style>@import url(https://evil.example/x.css);</style></svg>",
}


@pytest.mark.parametrize("case", ACTIVE_LOGOS)
async def test_an_svg_that_could_run_anything_is_refused(admin: httpx.AsyncClient, case: str) -> None:
    slug = (await onboard(admin))["slug"]
    response = await admin.put(
        f"/admin/v1/councils/{slug}/branding/logo",
        files={"data": ("logo.svg", ACTIVE_LOGOS[case].encode(), "image/svg+xml")},
    )
    assert response.status_code == 422, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "file"
    assert (await admin.get(f"/admin/v1/councils/{slug}")).json()["branding"]["logo_url"] is None


async def test_an_editors_logo_is_served_with_only_what_the_allow_list_keeps(
    admin: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    slug = (await onboard(admin))["slug"]
    logo = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- Created with an editor -->\n'
        f'<svg {SVG} {XLINK} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'width="120" height="40" viewBox="0 0 120 40" inkscape:version="1.3">'
        "<metadata><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></metadata>"
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#1d70b8"/></linearGradient>'
        "<style>.word{fill:#0b0c0c}</style></defs>"
        '<rect width="40" height="40" fill="url(#g)" data-tracking="x"/>'
        '<use xlink:href="#g"/><text class="word" x="45" y="28">Council</text></svg>'
    ).encode()
    uploaded = await admin.put(
        f"/admin/v1/councils/{slug}/branding/logo", files={"data": ("logo.svg", logo, "image/svg+xml")}
    )
    assert uploaded.status_code == 200, uploaded.text
    served = await http.get(uploaded.json()["branding"]["logo_url"], headers=host_for(slug))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["content-security-policy"].startswith("default-src 'none'")
    body = served.text
    assert body.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in body
    for kept in ('viewBox="0 0 120 40"', 'fill="url(#g)"', 'href="#g"', ".word{fill:#0b0c0c}", ">Council</text>"):
        assert kept in body, kept
    for dropped in ("inkscape", "metadata", "rdf", "data-tracking", "<!--"):
        assert dropped not in body, dropped
