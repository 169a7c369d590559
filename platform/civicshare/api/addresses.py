"""The addresses at a postcode in this council's area (for services that need an address): GET /api/v1/addresses."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from msgspec import Struct

from civicshare.http.problems import Problem
from civicshare.places.addresses import AddressLookupUnavailable, InvalidPostcode, normalise_postcode, sort_by_council
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext


class AddressOut(Struct):
    uprn: str
    address: str
    latitude: float
    longitude: float


class AddressList(Struct):
    council: str
    postcode: str
    addresses: list[AddressOut]


@get("/api/v1/addresses", tags=["places"], opt=PUBLIC, middleware=[rate_limited(Traffic.TRACKING)])
async def addresses_at_postcode(
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    postcode: Annotated[str, QueryParameter(max_length=16, description="a UK postcode, like KT1 1EU")],
) -> AddressList:
    """The addresses at the postcode that are in this council's area; a problem naming the council
    responsible when they are all in another council's area."""
    try:
        wanted = normalise_postcode(postcode)
        found = await services.addresses.addresses_at(wanted)
    except InvalidPostcode as invalid:
        raise Problem(422, "Invalid postcode", str(invalid), name="invalid-postcode") from None
    except AddressLookupUnavailable:
        raise Problem(
            503, "Address lookup unavailable", "Addresses cannot be looked up now; type the address instead.",
            name="address-lookup-unavailable", headers={"Retry-After": "60"},
        ) from None  # fmt: skip
    if not found:
        raise Problem(404, "No addresses", f"We found no addresses at {wanted}.", name="no-addresses")
    sorted_out = sort_by_council(found, tenant.slug, await services.boundaries.locator())
    if not sorted_out.inside:
        others = [await services.directory.by_slug(slug) for slug in sorted_out.elsewhere]
        names = [other.name for other in others if other is not None]
        where = f"in the area of {' and '.join(names)}" if names else "outside the councils on this platform"
        raise Problem(
            422, "Outside this council's area", f"{wanted} is {where}, not of {tenant.name}.",
            name="outside-council-area", extra={"councils": list(sorted_out.elsewhere)},
        )  # fmt: skip
    return AddressList(
        council=tenant.slug,
        postcode=wanted,
        addresses=[AddressOut(a.uprn, a.text, a.latitude, a.longitude) for a in sorted_out.inside],
    )


HANDLERS = [addresses_at_postcode]
