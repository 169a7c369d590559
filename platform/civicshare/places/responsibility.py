"""Whether a place is this council's to deal with, and if not, which councils on the platform are."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civicshare.catalogue.service import OfferingsCache
from civicshare.modules import ServiceDefinition, address_questions
from civicshare.places.addresses import (
    AddressLookup,
    AddressLookupUnavailable,
    InvalidPostcode,
    postcode_in,
)
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
    return OutsideArea(await _offering_it(locator.councils_at(longitude, latitude), directory, offerings, service_code))


async def _offering_it(
    slugs: list[str], directory: TenantDirectory, offerings: OfferingsCache, service_code: str
) -> list[TenantContext]:
    """The active councils among `slugs` that offer the service."""
    found = []
    for slug in slugs:
        other = await directory.by_slug(slug)
        if other is None or other.status is not TenantStatus.ACTIVE:
            continue
        if (await offerings.for_council(other)).offering(service_code) is not None:
            found.append(other)
    return found


async def postcode_outside_area(
    addresses: AddressLookup,
    boundaries: BoundaryIndex,
    directory: TenantDirectory,
    offerings: OfferingsCache,
    council: TenantContext,
    service_code: str,
    postcode: str,
    uprn: str | None = None,
) -> OutsideArea | None:
    """Whether an address is outside the council's area, from its postcode's addresses (the one with
    `uprn`, when it is among them). None when it is inside, or when it cannot be told: the council has no
    boundary, the postcode is not one, no address is known there, the lookup cannot answer now."""
    locator = await boundaries.locator()
    if council.slug not in locator:
        return None
    try:
        found = await addresses.addresses_at(postcode)
    except (InvalidPostcode, AddressLookupUnavailable):
        return None
    chosen = [address for address in found if address.uprn == uprn] if uprn else []
    holders: list[str] = []
    for address in chosen or found:
        for slug in locator.councils_at(address.longitude, address.latitude):
            if slug == council.slug:
                return None
            if slug not in holders:
                holders.append(slug)
    if not found:
        return None
    return OutsideArea(await _offering_it(holders, directory, offerings, service_code))


def outside_message(council: TenantContext, outside: OutsideArea) -> str:
    """For an API client: the place is not this council's, and whose it is on the platform."""
    if outside.neighbours:
        names = " or ".join(other.name for other in outside.neighbours)
        slugs = ", ".join(other.slug for other in outside.neighbours)
        return f"This place is outside the area of {council.name}: it is for {names} (council {slugs}); send it there"
    return f"This place is outside the area of {council.name}"


DESCRIBED_PLACE = "location_description"  # the location step's typed description of the place


@dataclass(frozen=True)
class PlaceOutside:
    """Which answer put the request outside the council's area (where its message belongs), and whose it is."""

    answer: str
    outside: OutsideArea


@dataclass(frozen=True)
class AreaCheck:
    """Whether a request's place is the council's: a pin, an address's postcode, a postcode in a description."""

    boundaries: BoundaryIndex
    directory: TenantDirectory
    offerings: OfferingsCache
    addresses: AddressLookup

    async def postcode_outside(
        self, council: TenantContext, service_code: str, postcode: str, uprn: str | None = None
    ) -> OutsideArea | None:
        return await postcode_outside_area(
            self.addresses, self.boundaries, self.directory, self.offerings, council, service_code, postcode, uprn
        )

    async def answers_outside(
        self, council: TenantContext, service: ServiceDefinition[Any], answers: Mapping[str, Any]
    ) -> PlaceOutside | None:
        """The first place in the answers outside the council's area, or None when every place given is
        in it (or cannot be told: see `outside_area` and `postcode_outside_area`)."""
        if council.slug not in await self.boundaries.locator():
            return None
        pin = pin_of(dict(answers))
        if pin is not None:
            outside = await outside_area(self.boundaries, self.directory, self.offerings, council, service.code, *pin)
            return PlaceOutside("latitude", outside) if outside else None
        for step in service.steps:
            questions = address_questions(step.form)
            postcode = answers.get(questions.postcode) if questions else None
            if questions is None or not isinstance(postcode, str) or not postcode.strip():
                continue
            uprn = answers.get(questions.uprn) if questions.uprn else None
            found = await self.postcode_outside(
                council, service.code, postcode, uprn if isinstance(uprn, str) else None
            )
            if found is not None:
                return PlaceOutside(questions.postcode, found)
        described = answers.get(DESCRIBED_PLACE)
        written = postcode_in(described) if isinstance(described, str) else None
        if written is not None and (found := await self.postcode_outside(council, service.code, written)):
            return PlaceOutside(DESCRIBED_PLACE, found)
        return None
