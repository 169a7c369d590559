"""The resident website's pages. Handlers are thin: read the visit, call a service, render a page."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.problems import Problem
from civicshare.db.engine import tenant_connection
from civicshare.modules import status_label
from civicshare.settings import IdentityProvider
from civicshare.web.assets import ONE_YEAR
from civicshare.web.branding import load_logo
from civicshare.web.catalogue import by_category, most_used, search
from civicshare.web.flow_routes import FLOW_HANDLERS
from civicshare.web.residents import SESSION_KEY, dev_resident
from civicshare.web.service import requests_everywhere, tracked_request
from civicshare.web.site import STATE_KEY, FieldError, WebRequest

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def provide_web(request: Request[Any, Any, State]) -> WebRequest:
    return WebRequest(request, request.app.state[STATE_KEY])


# -- home, search --------------------------------------------------------------------------------------


@get("/")
async def home(web: NamedDependency[WebRequest]) -> Response[Any]:
    """A council's home page, or on the platform's own address the list of councils."""
    if web.tenant is None:
        settings = web.site.services.settings
        councils = [c for c in await web.site.services.directory.all() if c.serves_residents]
        port = web.request.url.port
        suffix = f":{port}" if port and port not in (80, 443) else ""
        entries = [{"name": c.name, "href": f"//{c.slug}.{settings.base_domain}{suffix}/"} for c in councils]
        return web.page("platform_home.html", councils=entries)
    council = web.tenant
    listings = list(await web.site.catalogue.listings(council))
    shortcuts = []
    if listings:
        async with tenant_connection(web.site.services.database.engine, council) as connection:
            usage = await web.site.usage.usage(council, connection)
        shortcuts = most_used(listings, usage)
    return web.page(
        "home.html",
        current="services",
        shortcuts=shortcuts,
        categories=by_category(listings),
        notice=web.session.pop("notice"),
    )


@get("/search")
async def search_services(web: NamedDependency[WebRequest], q: FromQuery[str] = "") -> Response[Any]:
    query = q.strip()[:100]
    results = search(await web.site.catalogue.listings(web.council), query)
    return web.page("search.html", current="services", query=query, results=results)


# -- track a request -----------------------------------------------------------------------------------


@get("/track")
async def track_form(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("track.html", current="track", answers={"reference": "", "email": ""})


@post("/track")
async def track_lookup(web: NamedDependency[WebRequest], tenant_db: NamedDependency[AsyncConnection]) -> Response[Any]:
    fields = await web.form()
    answers = {"reference": fields.get("reference", "").strip(), "email": fields.get("email", "").strip()}
    errors = []
    if not answers["reference"]:
        errors.append(FieldError("reference", "Enter your reference"))
    if not answers["email"]:
        errors.append(FieldError("email", "Enter your email address"))
    elif not EMAIL.match(answers["email"]) or len(answers["email"]) > 254:
        errors.append(FieldError("email", "Enter an email address in the correct format, like name@example.com"))
    if not errors:
        offer = {item.service.code: item for item in await web.site.catalogue.offered(web.council)}

        def status_words(service: str, status: str) -> str:
            item = offer.get(service)
            if item is None or status not in item.service.workflow.states:
                return status.replace("_", " ").capitalize()
            return status_label(item.service, status, item.settings)

        listings = [item.listing for item in offer.values()]
        found = await tracked_request(tenant_db, answers["reference"], answers["email"], listings, status_words)
        if found is not None:
            return web.page("track_result.html", current="track", found=found)
        errors.append(
            FieldError("reference", "No request matches that reference and email address. Check both and try again")
        )
    return web.page("track.html", status=400, current="track", answers=answers, errors=errors)


# -- sign in, sign out, my requests --------------------------------------------------------------------


@get("/sign-in")
async def sign_in_form(web: NamedDependency[WebRequest]) -> Response[Any]:
    if web.resident is not None:
        return web.redirect("/my-requests")
    dev = web.site.services.settings.identity_provider is IdentityProvider.DEV
    return web.page("sign_in.html", current="sign-in", dev_identity=dev, answers={"name": "", "email": ""})


@post("/sign-in")
async def sign_in(web: NamedDependency[WebRequest]) -> Response[Any]:
    fields = await web.form()
    if web.site.services.settings.identity_provider is not IdentityProvider.DEV:
        raise Problem(404, "Page not found", name="not-found")
    answers = {"name": fields.get("name", "").strip(), "email": fields.get("email", "").strip()}
    errors = []
    if not answers["name"]:
        errors.append(FieldError("name", "Enter your full name"))
    if not answers["email"]:
        errors.append(FieldError("email", "Enter your email address"))
    elif not EMAIL.match(answers["email"]):
        errors.append(FieldError("email", "Enter an email address in the correct format, like name@example.com"))
    if errors:
        return web.page(
            "sign_in.html", status=400, current="sign-in", dev_identity=True, answers=answers, errors=errors
        )
    web.session[SESSION_KEY] = dev_resident(answers["email"], answers["name"]).to_session()
    web.session["notice"] = "You are signed in"
    return web.redirect("/my-requests")


@post("/sign-out")
async def sign_out(web: NamedDependency[WebRequest]) -> Response[Any]:
    await web.form()
    web.session.clear()
    web.session["notice"] = "You have signed out"
    return web.redirect("/")


@get("/my-requests")
async def my_requests(web: NamedDependency[WebRequest]) -> Response[Any]:
    if web.resident is None:
        return web.redirect("/sign-in")
    councils = [c for c in await web.site.services.directory.all() if c.serves_residents]
    listings = {c.slug: list(await web.site.catalogue.listings(c)) for c in councils}
    found = await requests_everywhere(web.site.services.database.engine, councils, web.resident.subject, listings)
    return web.page("my_requests.html", current="my-requests", requests=found, notice=web.session.pop("notice"))


# -- information pages ---------------------------------------------------------------------------------


@get("/accessibility")
async def accessibility(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("accessibility.html")


@get("/cookies")
async def cookies(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("cookies.html")


@get("/privacy")
async def privacy(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("privacy.html")


# -- the council's logo and the built assets -----------------------------------------------------------


@get("/branding/council-logo")
async def council_logo(web: NamedDependency[WebRequest]) -> Response[bytes]:
    logo = load_logo(web.site.services.settings.tenants_dir, web.council)
    if logo is None:
        raise Problem(404, "Not found", "This council has no logo.", name="not-found")
    headers = {"etag": logo.etag, "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff"}
    if web.request.headers.get("if-none-match") == logo.etag:
        return Response(b"", status_code=304, headers=headers)
    if logo.media_type == "image/svg+xml":
        headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return Response(logo.body, media_type=logo.media_type, headers=headers)


@get("/assets/{name:str}")
async def asset(web: NamedDependency[WebRequest], name: FromPath[str]) -> Response[bytes]:
    found = web.site.assets.files.get(name)
    if found is None:
        raise Problem(404, "Not found", name="not-found")
    headers = {"cache-control": ONE_YEAR, "vary": "accept-encoding", "x-content-type-options": "nosniff"}
    if found.gzipped is not None and "gzip" in web.request.headers.get("accept-encoding", ""):
        headers["content-encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


web_router = Router(
    path="/",
    route_handlers=[
        home,
        search_services,
        track_form,
        track_lookup,
        sign_in_form,
        sign_in,
        sign_out,
        my_requests,
        accessibility,
        cookies,
        privacy,
        council_logo,
        asset,
        *FLOW_HANDLERS,
    ],
    dependencies={"web": Provide(provide_web, sync_to_thread=False)},
    include_in_schema=False,
)
