"""The resident website's pages. Handlers are thin: read the visit, call a service, render a page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter

from civicshare.api.authentication import provide_principal
from civicshare.api.csrf import TokenIfShown
from civicshare.api.dependencies import provide_services
from civicshare.api.identity import dev_identity_of, safe_next
from civicshare.api.stored_files import stored_file_response
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.provider import DEV_IDENTITY_PATH
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.tenancy.contact import enforcement_body
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import StoredAttachment, stored_file
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email
from civicshare.transactions.views import Wording
from civicshare.web.assets import NO_COMPRESSION, ONE_YEAR
from civicshare.web.branding import LOGO_URL
from civicshare.web.catalogue import by_category, listing_of, most_used, search
from civicshare.web.demo_mail import DEMO_MAIL_HANDLERS
from civicshare.web.flow_routes import FLOW_HANDLERS
from civicshare.web.flows import uk_day
from civicshare.web.front_door import FRONT_DOOR_HANDLERS, councils_behind, front_door_home, services_behind
from civicshare.web.my_account import find_my_request, join_anonymous_requests
from civicshare.web.nearby_pages import HANDLERS as NEARBY_HANDLERS
from civicshare.web.photos import tracked_photo_allowed, tracked_photo_token
from civicshare.web.place_routes import HANDLERS as PLACE_HANDLERS
from civicshare.web.privacy_pages import PRIVACY_HANDLERS
from civicshare.web.sandbox_pages import SANDBOX_HANDLERS
from civicshare.web.service import requests_everywhere, tracked_request
from civicshare.web.site import STATE_KEY, FieldError, WebRequest, web_site


async def provide_web(request: Request[Any, Any, State]) -> WebRequest:
    # The person and the form's token are asked for here, not declared as two dependencies, which cost
    # more in Litestar's machinery than both; the token is made only if the page shows a form.
    services = provide_services(request.app.state)
    resident = await provide_principal(request, services)
    web = WebRequest(request, request.app.state[STATE_KEY], resident, TokenIfShown(request, services))
    if web.tenant is not None:
        await web.site.logos.refresh(web.tenant)
    return web


# -- home, search --------------------------------------------------------------------------------------


@get("/", opt=PUBLIC)
async def home(web: NamedDependency[WebRequest]) -> Response[Any]:
    """A council's home page, a front door's list of its area's services, or on the platform's own address
    the list of councils."""
    if web.front_door is not None:
        return front_door_home(web, await services_behind(web, web.front_door))
    if web.tenant is None:
        settings = web.site.services.settings
        councils = [c for c in await web.site.services.directory.all() if c.serves_residents]
        port = web.request.url.port
        suffix = f":{port}" if port and port not in (80, 443) else ""
        entries = [{"name": c.name, "href": f"//{c.slug}.{settings.base_domain}{suffix}/"} for c in councils]
        doors = [
            {"name": door.name, "href": f"//{door.slug}.{settings.base_domain}{suffix}/"}
            for door in await web.site.services.directory.all_front_doors()
        ]
        return web.page("platform_home.html", councils=entries, front_doors=doors)
    council = web.tenant
    listings = await web.site.catalogue.listings(council)
    shortcuts = []
    if listings:
        shortcuts = most_used(listings, await web.site.usage.usage(council, web.site.services.database.engine))
    return web.shared_page(
        "home.html",
        (listings, [listing.code for listing in shortcuts]),
        current="services",
        shortcuts=shortcuts,
        categories=by_category(listings),
    )


@get("/search", opt=PUBLIC)
async def search_services(web: NamedDependency[WebRequest], q: FromQuery[str] = "") -> Response[Any]:
    query = q.strip()[:100]
    results = search(await web.site.catalogue.listings(web.council), query)
    return web.page("search.html", current="services", query=query, results=results)


# -- track a request -----------------------------------------------------------------------------------


@get("/track", opt=PUBLIC)
async def track_form(web: NamedDependency[WebRequest], reference: FromQuery[str] = "") -> Response[Any]:
    # The link in a resident's emails fills in their reference (`/track?reference=KNG-2026-000123`).
    return web.page("track.html", current="track", answers={"reference": reference.strip()[:32], "email": ""})


@post("/track", opt=PUBLIC, middleware=[rate_limited(Traffic.TRACKING)])
async def track_lookup(web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None]) -> Response[Any]:
    fields = await web.form()
    answers = {"reference": fields.get("reference", "").strip(), "email": fields.get("email", "").strip()}
    errors = []
    if not answers["reference"]:
        errors.append(FieldError("reference", "Enter your reference"))
    if not answers["email"]:
        errors.append(FieldError("email", "Enter your email address"))
    elif not valid_email(answers["email"]):
        errors.append(FieldError("email", EMAIL_MESSAGE))
    if not errors:
        services = web.site.services
        offerings = await services.offerings.for_council(web.council)

        def status_words(service: str, status: str) -> str:
            return Wording(offerings, services, service).label(status)  # the resident API's words

        listings = [listing_of(offering) for offering in offerings]
        secret, schema = services.settings.secret_key, web.council.schema

        def photo_link(photo: StoredAttachment) -> str:
            reference = normalise_reference(answers["reference"])
            token = tracked_photo_token(secret, schema, reference, photo.id)
            return web.url(f"/track/photos/{reference}/{photo.id}?{urlencode({'token': token})}")

        async with tenant_connection(web.site.services.database.engine, web.council) as connection:
            found = await tracked_request(
                connection,
                answers["reference"],
                answers["email"],
                listings,
                status_words,
                offerings=offerings,
                viewer_subject=web.resident.subject if web.resident else None,
                photo_link=photo_link,
            )
        if found is not None:
            return web.page("track_result.html", current="track", found=found)
        errors.append(
            FieldError("reference", "No request matches that reference and email address. Check both and try again")
        )
    return web.page("track.html", status=400, current="track", answers=answers, errors=errors)


@get("/track/photos/{reference:str}/{attachment_id:int}", opt={**PUBLIC, NO_COMPRESSION: True})
async def tracked_photo(
    web: NamedDependency[WebRequest], reference: FromPath[str], attachment_id: FromPath[int], token: FromQuery[str] = ""
) -> Response[Any]:
    """A photo shown on the tracking page, by the signed address that page gave (never a guessable one)."""
    settings = web.site.services.settings
    if not tracked_photo_allowed(settings.secret_key, web.council.schema, reference, attachment_id, token):
        raise Problem(404, "Page not found", name="not-found")
    async with tenant_connection(web.site.services.database.engine, web.council) as connection:
        transaction = await find_by_reference(connection, reference)
        stored = (
            await stored_file(connection, web.site.services.files, web.council, transaction["id"], attachment_id)
            if transaction
            else None
        )
    if stored is None or not stored[0].content_type.startswith("image/"):
        raise Problem(404, "Page not found", name="not-found")
    headers = {"cache-control": "private, max-age=900"}
    return stored_file_response(stored[1], stored[0].content_type, disposition="inline", headers=headers)


# -- my requests, and the dev identity's sign-in page in the council's colours ---------------------


@get("/my-requests", opt=PUBLIC)
async def my_requests(web: NamedDependency[WebRequest]) -> Response[Any]:
    if web.resident is None:
        return web.redirect(f"/auth/sign-in?{urlencode({'next': '/my-requests'})}")
    councils = [c for c in await web.site.services.directory.all() if c.serves_residents]
    if web.front_door is not None:  # the area's councils only, each read in its own schema
        councils = await councils_behind(web, web.front_door)
    await join_anonymous_requests(web.site.services, councils, web.resident)
    found = await requests_everywhere(web.site.services, councils, web.resident.subject)
    return web.page("my_requests.html", current="my-requests", requests=found)


@get("/my-requests/{council:str}/{reference:str}", opt=PUBLIC)
async def my_request_page(
    web: NamedDependency[WebRequest], council: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    """One of the resident's own requests, at whichever council it was made: everything they sent and
    every update. Anyone else's (or an unknown one) is the same 404."""
    here = f"/my-requests/{council}/{reference}"
    if web.resident is None:
        return web.redirect(f"/auth/sign-in?{urlencode({'next': here})}")
    services = web.site.services
    made_at = await services.directory.by_slug(council)
    if made_at is not None and web.front_door is not None:
        made_at = made_at if made_at in await councils_behind(web, web.front_door) else None
    found = None
    if made_at is not None and made_at.serves_residents:
        found = await find_my_request(services, made_at, reference[:32], web.resident.subject)
    if found is None:
        raise Problem(404, "Request not found", "You have no request with that reference.", name="not-found")
    return web.page("my_request.html", current="my-requests", found=found)


@get(f"{DEV_IDENTITY_PATH}/sign-in", opt=PUBLIC)
async def dev_sign_in_page(
    web: NamedDependency[WebRequest],
    services: NamedDependency[PlatformServices],
    next: Annotated[str | None, QueryParameter()] = None,
) -> Response[Any]:
    """The dev identity's people (never in production): identity's `POST /dev-identity/sign-in` signs in."""
    identity = dev_identity_of(services)
    assert identity.dev is not None
    return web.page(
        "dev_sign_in.html",
        current="sign-in",
        people=identity.dev.people(),
        next=safe_next(next),
        action=f"{DEV_IDENTITY_PATH}/sign-in",
    )


# -- information pages ---------------------------------------------------------------------------------


@get("/accessibility", opt=PUBLIC)
async def accessibility(web: NamedDependency[WebRequest]) -> Response[Any]:
    council = web.council
    return web.page(
        "accessibility.html",
        statement=council.accessibility,
        contact=council.contact,
        enforcer=enforcement_body(council.gss_code),
        prepared_on=uk_day(council.accessibility.prepared_on),
        reviewed_on=uk_day(council.accessibility.last_reviewed_on),
    )


@get("/contact", opt=PUBLIC)
async def contact(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("contact.html", current="contact", contact=web.council.contact)


@get("/cookies", opt=PUBLIC)
async def cookies(web: NamedDependency[WebRequest]) -> Response[Any]:
    return web.page("cookies.html")


# -- the council's logo and the built assets -----------------------------------------------------------


# These two read no session and set no cookie (no `web`): images and assets are cached, and they must
# load on an error page too (a refused sign-in cookie is answered with a 401 page that needs its styles).


@get(LOGO_URL, opt=PUBLIC)
async def council_logo(request: Request[Any, Any, State], tenant: NamedDependency[TenantContext]) -> Response[bytes]:
    """The council's logo: the one uploaded through the admin API, else the file its TOML names."""
    logo = await web_site(request.app.state).logos.logo(tenant)
    if logo is None:
        raise Problem(404, "Not found", f"{tenant.name} has no logo.", name="not-found")
    headers = {
        "etag": logo.etag,
        "cache-control": "public, max-age=300",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    }
    if request.headers.get("if-none-match") == logo.etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(logo.body, media_type=logo.media_type, headers=headers)


@get("/assets/{name:str}", opt={**PUBLIC, NO_COMPRESSION: True})
async def asset(request: Request[Any, Any, State], name: FromPath[str]) -> Response[bytes]:
    found = web_site(request.app.state).assets.files.get(name)
    if found is None:
        raise Problem(404, "Not found", name="not-found")
    headers = {"cache-control": ONE_YEAR, "vary": "accept-encoding", "x-content-type-options": "nosniff"}
    body, encoding = found.encoded(request.headers.get("accept-encoding", ""))
    if encoding is not None:
        headers["content-encoding"] = encoding
    return Response(body, media_type=found.media_type, headers=headers)


web_router = Router(
    path="/",
    route_handlers=[
        home,
        search_services,
        track_form,
        track_lookup,
        tracked_photo,
        my_requests,
        my_request_page,
        dev_sign_in_page,
        accessibility,
        contact,
        cookies,
        *PRIVACY_HANDLERS,
        council_logo,
        asset,
        *PLACE_HANDLERS,
        *NEARBY_HANDLERS,
        *FLOW_HANDLERS,
        *FRONT_DOOR_HANDLERS,
        *SANDBOX_HANDLERS,
        *DEMO_MAIL_HANDLERS,
    ],
    dependencies={"web": Provide(provide_web)},
    include_in_schema=False,
)
