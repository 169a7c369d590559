"""Whether a place is this council's to deal with, and if not, which councils on the platform are."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from civicshare.catalogue.service import OfferingsCache
from civicshare.places.service import BoundaryIndex
from civicshare.tenancy.context import TenantContext, TenantStatus
from civicshare.tenancy.directory import TenantDirectory


@dataclass(frozen=True)
class OutsideArea:
    """The place is outside this council's area; `neighbours` are the active councils there offering the service."""

    neighbours: list[TenantContext]


def pin_of(answers: dict[str, Any]) -> tuple[float, float] | None:
    """The answers' latitude and longitude as numbers, or None when there is no usable pin."""
    try:
        latitude, longitude = float(answers["latitude"]), float(answers["longitude"])
    except (KeyError, TypeError, ValueError, OverflowError):  # a huge JSON integer overflows a float
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None  # "nan", "inf": not a place; the form's own checks say what is wrong
    return latitude, longitude


async def outside_area(
    boundaries: BoundaryIndex,
    directory: TenantDirectory,
    offerings: OfferingsCache,
    council: TenantContext,
    service_code: str,
    latitude: float,
    longitude: float,
) -> OutsideArea | None:
    """None when the place is in the council's area, or the council has no boundary to tell."""
    locator = await boundaries.locator()
    if council.slug not in locator or locator.covers(council.slug, longitude, latitude):
        return None
    neighbours = []
    for slug in locator.councils_at(longitude, latitude):
        other = await directory.by_slug(slug)
        if other is None or other.status is not TenantStatus.ACTIVE:
            continue
        if (await offerings.for_council(other)).offering(service_code) is not None:
            neighbours.append(other)
    return OutsideArea(neighbours)


def outside_message(council: TenantContext, outside: OutsideArea) -> str:
    """For an API client: the place is not this council's, and whose it is on the platform."""
    if outside.neighbours:
        names = " or ".join(other.name for other in outside.neighbours)
        slugs = ", ".join(other.slug for other in outside.neighbours)
        return f"This place is outside the area of {council.name}: it is for {names} (council {slugs}); send it there"
    return f"This place is outside the area of {council.name}"
