"""Council website pages: bytes a browser transfers on first load, and the server's median render time.

    make bench            (every benchmark)    or    .venv/bin/python -m bench web_pages

Targets (issue 17, tighter than issue 7's 150 KB): the home page and a question page under 50 KB over
the wire on a first visit (HTML, stylesheet, script, fonts and the council's logo, compressed as a
browser asks: Brotli for the pages through Litestar's compression, the built assets' own Brotli copies),
and rendered by the server in under 20 ms at the median. Render time is the whole request in process
(council resolution, session, database reads, template, compression), measured over ASGI without a
network; the assets must be built first (`make assets`). Every other page is listed against the same
figures for comparison.
"""

from __future__ import annotations

import re
import statistics
import time

import httpx
from rich.table import Table

from bench.harness import BenchDatabase, verdict
from civicshare.app import build_services, create_app
from civicshare.settings import PROJECT_ROOT, Settings
from civicshare.tenancy.definitions import ModuleChoice
from civicshare.tenancy.files import load_catalogue
from civicshare.tenancy.service import apply_tenant
from civicshare.tenancy.sync import sync_catalogue
from tests.support import record_transaction

SAMPLES = 200
MAX_BYTES = 50 * 1024
MAX_MEDIAN_MS = 20.0
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip, deflate, br"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
LINKED = re.compile(
    r'(?:<link rel="stylesheet" href|<script type="module" src|<img class="cs-header__logo" src)="([^"]+)"'
)
FONTS = re.compile(r"""url\(["']?([^"')]+\.(?:woff2?|ttf|otf))["']?\)""")


def _wire_bytes(response: httpx.Response) -> int:
    return int(response.headers.get("content-length", len(response.content)))


async def _first_load_bytes(
    client: httpx.AsyncClient, html: httpx.Response, headers: dict[str, str]
) -> tuple[int, int]:
    """The page alone, and the page with everything it links (stylesheet, script, logo and the fonts the
    stylesheet names), as sent on the wire (compressed bodies where compressed)."""
    page = _wire_bytes(html)
    total = page
    for url in LINKED.findall(html.text):
        response = await client.get(url, headers=headers)
        total += _wire_bytes(response)
        if "text/css" in response.headers.get("content-type", ""):
            for font in FONTS.findall(response.text):
                total += _wire_bytes(await client.get(font, headers=headers))
    return page, total


async def _median_ms(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> float:
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code in (200, 404), (path, response.status_code)
    return statistics.median(samples) * 1000


async def run_benchmark(bench: BenchDatabase) -> Table:
    settings = Settings(database_url=bench.url, tenant_cache_seconds=2.0, log_level="WARNING")
    catalogue = load_catalogue(PROJECT_ROOT / "tenants")
    modules = {"highways": ModuleChoice(), "waste": ModuleChoice()}
    await sync_catalogue(bench.database.engine, catalogue)
    async with bench.database.engine.begin() as connection:
        for tenant in catalogue.tenants:
            if tenant.slug in ("kingston", "newham"):
                await apply_tenant(connection, tenant.model_copy(update={"modules": modules}))
    for number in range(30):
        await record_transaction(bench.database, "kingston", f"resident{number}@example.org", "report-pothole")
    app = create_app(settings, build_services(settings, bench.database))
    table = Table(title="Council website pages (Kingston, by host name): first load over the wire, server render")
    for column in ("page", "HTML KB", "first load KB", "median render ms", "target"):
        table.add_column(column, justify="right" if column != "page" else "left")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://kingston.localhost") as client:
        headers = {**BROWSER, "Host": "kingston.localhost"}
        # Walk a pothole report up to check your answers, so the session holds answers.
        page = await client.get("/services/report-pothole/location", headers=headers)
        token = TOKEN.search(page.text)
        assert token, "the form carries a CSRF token"
        for step, answers in (
            ("location", {"location_description": "Outside 12 High Street"}),
            ("details", {"size": "large", "on": "road", "details": ""}),
            ("contact", {"email": "bench@example.org"}),
        ):
            posted = await client.post(
                f"/services/report-pothole/{step}", data={**answers, "csrf_token": token[1]}, headers=headers
            )
            assert posted.status_code == 303, (step, posted.status_code, posted.text[:300])
        pages = [
            ("Home (shortcuts, categories)", "/"),
            ("Service start page", "/services/report-pothole"),
            ("Form step (radios)", "/services/report-pothole/details"),
            ("Form step (photos)", "/services/report-pothole/photos"),
            ("Form step (date input)", "/services/garden-waste-subscription/subscription"),
            ("Check your answers", "/services/report-pothole/check"),
            ("Track a request", "/track"),
            ("Accessibility statement", "/accessibility"),
            ("Cookies", "/cookies"),
            ("Page not found (404)", "/no-such-page"),
        ]
        for name, path in pages:
            html = await client.get(path, headers=headers)
            assert html.status_code in (200, 404), (path, html.status_code)
            # (An unknown address is answered before any route's middleware, so the 404 page is not compressed.)
            assert html.status_code == 404 or html.headers.get("content-encoding") == "br", (path, "compressed")
            page_bytes, size = await _first_load_bytes(client, html, headers)
            median = await _median_ms(client, path, headers)
            ok = size < MAX_BYTES and median < MAX_MEDIAN_MS
            table.add_row(name, f"{page_bytes / 1024:.1f}", f"{size / 1024:.1f}", f"{median:.2f}", verdict(ok))
    return table
