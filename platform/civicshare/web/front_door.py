"""A front door's pages: one site for an area's councils of two tiers.

The home page lists every service behind the front door once. Starting one asks where first (a
postcode, then the address; or a pin); the place and the service decide which council is responsible
(`places.routing`), and the resident carries on at that council's own site with the place already
answered (the signed `handover` link other councils use, naming the front door, which the request's
history then records). Councils' own pages stay theirs: a front door has no council of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from civicshare.api.identity import origin_of
from civicshare.catalogue.service import Offering
from civicshare.http.problems import Problem
from civicshare.places.addresses import Address, AddressLookupUnavailable, InvalidPostcode, normalise_postcode
from civicshare.places.responsibility import pin_of
from civicshare.places.routing import NoCouncilHere, OutsideArea, Responsibilities, responsibilities_of, route_request
from civicshare.places.service import boundary_of
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.tenancy.context import FrontDoorContext, TenantContext
from civicshare.web.pins import map_values, takes_pin, with_tile_images
from civicshare.web.questions import questions_for
from civicshare.web.right_council import handover_token
from civicshare.web.site import FieldError, WebRequest


@dataclass(frozen=True)
class DoorService:
    code: str
    title: str
    category: str
    offering: Offering


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    address: Address | None = None


def front_door_of(web: WebRequest) -> FrontDoorContext:
    if web.front_door is None:
        raise Problem(404, "Page not found", "This page belongs to an area's front door.", name="not-found")
    return web.front_door


async def responsibilities(web: WebRequest, door: FrontDoorContext) -> Responsibilities:
    async with web.site.services.database.engine.connect() as connection:
        return await responsibilities_of(connection, door)


async def councils_behind(web: WebRequest, door: FrontDoorContext) -> list[TenantContext]:
    """The councils behind the front door that take requests now."""
    found = []
    for slug in (await responsibilities(web, door)).councils:
        council = await web.site.services.directory.by_slug(slug)
        if council is not None and council.serves_residents:
            found.append(council)
    return found


async def services_behind(web: WebRequest, door: FrontDoorContext) -> list[DoorService]:
    """Every service of the area once, in the words of a council that offers it."""
    services = web.site.services
    found = []
    for code, councils in (await responsibilities(web, door)).by_service.items():
        for slug in councils:
            council = await services.directory.by_slug(slug)
            offering = (await services.offerings.for_council(council)).offering(code) if council else None
            if council is not None and council.serves_residents and offering is not None:
                found.append(DoorService(code, offering.title, offering.category, offering))
                break
    return sorted(found, key=lambda service: (service.category, service.title))


async def _service(web: WebRequest, door: FrontDoorContext, code: str) -> DoorService:
    for service in await services_behind(web, door):
        if service.code == code:
            return service
    raise Problem(404, "Page not found", f"{door.name} has no service {code!r}.", name="not-found")


def front_door_home(web: WebRequest, services: list[DoorService]) -> Response[Any]:
    categories: dict[str, list[DoorService]] = {}
    for service in services:
        categories.setdefault(service.category, []).append(service)
    return web.page("front_door_home.html", current="services", title="Online services", categories=categories)


def _place_page(
    web: WebRequest, service: DoorService, *, postcode: str = "", errors: list[FieldError] | None = None
) -> Response[Any]:
    page = web.page(
        "front_door_place.html",
        status=400 if errors else 200,
        current="services",
        title="Where is it?",
        service=service,
        postcode=postcode,
        values={},
        errors=errors or [],
        **map_values(web),
    )
    return with_tile_images(page, web)


@get("/start/{code:str}", opt=PUBLIC)
async def where_is_it(web: NamedDependency[WebRequest], code: FromPath[str]) -> Response[Any]:
    door = front_door_of(web)
    return _place_page(web, await _service(web, door, code))


@post("/start/{code:str}", opt=PUBLIC, middleware=[rate_limited(Traffic.TRACKING)])
async def place_given(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], code: FromPath[str]
) -> Response[Any]:
    """A postcode (then its addresses to choose from), a chosen address, or a pin: then the council responsible."""
    door = front_door_of(web)
    service = await _service(web, door, code)
    posted = await web.form()
    typed = posted.get("postcode", "").strip()[:16]
    pin = pin_of({"latitude": posted.get("latitude"), "longitude": posted.get("longitude")})
    if pin is not None:
        return await _route(web, door, service, Place(*pin))
    if not typed:
        message = "Enter a postcode, or drop a pin on the map"
        return _place_page(web, service, errors=[FieldError("postcode", message)])
    try:
        postcode = normalise_postcode(typed)
        addresses = await web.site.services.addresses.addresses_at(postcode)
    except InvalidPostcode as invalid:
        return _place_page(web, service, postcode=typed, errors=[FieldError("postcode", str(invalid))])
    except AddressLookupUnavailable:
        message = "Addresses cannot be looked up at the moment. Try again later"
        return _place_page(web, service, postcode=typed, errors=[FieldError("postcode", message)])
    if not addresses:
        message = f"We found no addresses at {postcode}. Check the postcode"
        return _place_page(web, service, postcode=typed, errors=[FieldError("postcode", message)])
    if len(addresses) == 1:
        address: Address | None = addresses[0]
    else:
        address = next((a for a in addresses if a.uprn == posted.get("uprn")), None)
        if address is None:
            refused = [FieldError("uprn", "Select the address")] if "choosing" in posted else []
            return _address_page(web, service, postcode, addresses, refused)
    assert address is not None
    return await _route(web, door, service, Place(address.latitude, address.longitude, address))


def _address_page(
    web: WebRequest,
    service: DoorService,
    postcode: str,
    addresses: list[Address],
    errors: list[FieldError] | None = None,
) -> Response[Any]:
    return web.page(
        "front_door_address.html",
        status=400 if errors else 200,
        current="services",
        title="Choose the address",
        service=service,
        postcode=postcode,
        addresses=[{"value": a.uprn, "label": a.text} for a in addresses],
        errors=errors or [],
    )


async def _route(web: WebRequest, door: FrontDoorContext, service: DoorService, place: Place) -> Response[Any]:
    services = web.site.services
    behind = await responsibilities(web, door)
    routed = await route_request(
        behind, services.boundaries, services.directory, service.code, place.latitude, place.longitude
    )
    postcode = place.address.postcode if place.address else ""
    if isinstance(routed, OutsideArea):
        message = f"This place is outside the area of {door.name}. Enter a place in it"
        return _place_page(web, service, postcode=postcode, errors=[FieldError("postcode", message)])
    if isinstance(routed, NoCouncilHere):
        return web.page(
            "front_door_nobody.html", current="services", title="This is not on this platform here", service=service
        )
    council = routed.council
    offering = (await services.offerings.for_council(council)).offering(service.code)
    if offering is None:  # it stopped offering the service since the front door was set
        return web.page(
            "front_door_nobody.html", current="services", title="This is not on this platform here", service=service
        )
    email = web.resident.email or "" if web.resident else ""
    token = handover_token(
        web, service.code, carried_answers(offering, place), email, from_site=door.slug, via=door.name
    )
    href = f"{council_site(web, door, council)}/services/{service.code}/handover?" + urlencode({"answers": token})
    return web.page(
        "front_door_sent.html", current="services", title=f"{council.name} deals with this", service=service,
        responsible=council, href=href, back=web.url(f"/start/{service.code}"),
    )  # fmt: skip


def carried_answers(offering: Offering, place: Place) -> dict[str, str]:
    """The place as the council's own form asks for it: a pin on a location step, the address where the
    form asks for one (only the questions the form has)."""
    typed: dict[str, str] = {}
    address = place.address
    for step in offering.service.steps:
        names = {question.name for question in questions_for(step, offering.settings)}
        if takes_pin(step):
            typed.update(latitude=str(place.latitude), longitude=str(place.longitude))
            if address is not None and "location_description" in names:
                typed["location_description"] = address.text
        if address is not None and "address_line" in names:
            typed["address_line"] = address.text.removesuffix(address.postcode).rstrip(", ")
        if address is not None and "postcode" in names:
            typed["postcode"] = address.postcode
    return typed


async def area_outline(web: WebRequest, door: FrontDoorContext) -> dict[str, Any]:
    """The front door's councils' areas as one GeoJSON FeatureCollection, for the map on its place page."""
    features = []
    illustrative = False
    async with web.site.services.database.engine.connect() as connection:
        for slug in (await responsibilities_of(connection, door)).councils:
            stored = await boundary_of(connection, slug)
            if stored is not None:
                illustrative = illustrative or stored.illustrative
                features.append({"type": "Feature", "properties": {"council": slug}, "geometry": stored.geojson})
    return {"type": "FeatureCollection", "properties": {"illustrative": illustrative}, "features": features}


def council_site(web: WebRequest, door: FrontDoorContext, council: TenantContext) -> str:
    """The council's own site, seen from the front door: its host beside the front door's under the same
    base domain, else its own domain, else its host under the platform's base domain."""
    origin = origin_of(web.request)
    scheme, _, host = origin.partition("://")
    if host.startswith(f"{door.slug}."):
        return f"{scheme}://{council.slug}.{host.removeprefix(door.slug + '.')}"
    if council.domains:
        return f"https://{council.domains[0]}"
    return f"{scheme}://{council.slug}.{web.site.services.settings.base_domain}"


FRONT_DOOR_HANDLERS = [where_is_it, place_given]
