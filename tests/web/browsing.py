"""What browser tests share: open a page, check it with axe-core, read what a resident sees."""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from civicshare.settings import PROJECT_ROOT
from tests.support import ServedPlatform

CHROMIUM = Path(os.environ.get("CIVICSHARE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


SERIOUS = {"serious", "critical"}
ALSO_REFUSED = {"region"}  # moderate, but every page can keep all its content inside landmarks

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))
  }));
}"""


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol: a <script> tag added to the page would be refused by the
    # page's content-security policy, as any script the platform did not serve.
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    violations: list[dict[str, Any]] = await page.evaluate(_RUN_AXE)
    return violations


_refused_by_policy: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def watch_content_security(page: Any) -> None:
    """Remember what the page's content-security policy made the browser refuse (a script, a style)."""
    refused = _refused_by_policy.setdefault(page, [])

    def note(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note)


async def assert_accessible(page: Any) -> None:
    """No serious or critical axe-core violations on the page as it stands, no content outside a landmark
    (axe `region`, moderate), and nothing on it refused by its content-security policy (on pages being watched)."""
    serious = [v for v in await axe_violations(page) if v["impact"] in SERIOUS or v["id"] in ALSO_REFUSED]
    assert not serious, f"{page.url} has accessibility violations: {serious}"
    refused = _refused_by_policy.get(page, [])
    assert not refused, f"{page.url}: the content-security policy refused {refused}"


async def visit(page: Any, url: str, *, status: int = 200) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == status, f"{url} answered {response and response.status}"
    await assert_accessible(page)


async def submit(page: Any, button: str, *, status: int = 200) -> None:
    """Press a form's button, wait for the next page, and check it."""
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=button).click()
    response = await navigation.value
    assert response is not None and response.status == status, f"{page.url} answered {response and response.status}"
    await assert_accessible(page)


async def header_colour(page: Any) -> str:
    colour: str = await page.eval_on_selector(".cs-header", "element => getComputedStyle(element).backgroundColor")
    return colour


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def council_url(served: ServedPlatform, slug: str, path: str = "/") -> str:
    """Kingston by its own host name (kingston.localhost), every other council by the /t/ prefix."""
    if slug == "kingston":
        return f"http://kingston.localhost:{served.port}{path}"
    return f"{served.url}/t/{slug}{path}"
