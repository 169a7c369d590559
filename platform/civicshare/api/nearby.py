"""Open reports near a point, and following one instead of sending a duplicate (`places.nearby`):
GET /api/v1/services/{code}/nearby and POST /api/v1/services/{code}/nearby/follow."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Struct

from civicshare.api.authentication import provide_principal, session_key
from civicshare.api.catalogue import not_offered
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.places.nearby import NearbyReport, NotNearby, follow_nearby, open_reports_near
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic
from civicshare.ratelimits.middleware import rate_limited
from civicshare.services import PlatformServices
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email


class NearbyReportOut(Struct):
    """Another resident's open report, as anyone may see it: no reference, reporter or typed text."""

    report: str  # what POST .../nearby/follow takes
    metres: int
    direction: str  # from the point: "north-east"; "" when within a few metres
    status: str
    status_label: str
    reported_at: datetime


class NearbyReports(Struct):
    council: str
    service: str
    within_metres: int
    reports: list[NearbyReportOut]


class FollowRequest(Struct):
    report: str
    latitude: float
    longitude: float
    email: str = ""


class Following(Struct):
    council: str
    service: str
    email: str
    report: NearbyReportOut


def _located_offering(offerings: CouncilOfferings, tenant: TenantContext, code: str) -> Offering:
    offering = offerings.offering(code)
    if offering is None:
        raise not_offered(code, tenant)
    if not offering.service.location_required:
        raise Problem(
            422, "Not a located service", f"{offering.title} is not reported at a place on a map.",
            name="not-located",
        )  # fmt: skip
    return offering


def _point(latitude: float, longitude: float) -> tuple[float, float]:
    problems = {}
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        problems["latitude"] = "Latitude must be a number from -90 to 90"
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        problems["longitude"] = "Longitude must be a number from -180 to 180"
    if problems:
        raise Problem(
            422, "Invalid point", "; ".join(problems.values()), name="invalid-point",
            extra={"errors": [{"field": field, "message": message} for field, message in problems.items()]},
        )  # fmt: skip
    return latitude, longitude


def _out(
    report: NearbyReport, offering: Offering, services: PlatformServices, tenant: TenantContext
) -> NearbyReportOut:
    return NearbyReportOut(
        report=report.key(session_key(services), tenant.slug),
        metres=report.metres,
        direction=report.direction,
        status=report.status,
        status_label=offering.status_label(report.status),
        reported_at=report.reported_at,
    )


@get("/api/v1/services/{code:str}/nearby", tags=["places"], opt=PUBLIC, middleware=[rate_limited(Traffic.TRACKING)])
async def nearby_reports(
    code: FromPath[str],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    offerings: NamedDependency[CouncilOfferings],
    latitude: Annotated[float, QueryParameter(description="the pin's latitude (WGS84)")],
    longitude: Annotated[float, QueryParameter(description="the pin's longitude (WGS84)")],
) -> NearbyReports:
    """This council's open reports of the service near the point, most recent first (a few at most): show
    them before a resident sends the same report, and offer to follow one instead."""
    offering = _located_offering(offerings, tenant, code)
    point = _point(latitude, longitude)
    within = offering.service.duplicates_within_metres
    async with tenant_connection(services.database.engine, tenant) as connection:
        near = await open_reports_near(connection, code, *point, within)
    return NearbyReports(
        council=tenant.slug,
        service=code,
        within_metres=within,
        reports=[_out(report, offering, services, tenant) for report in near],
    )


@post(
    "/api/v1/services/{code:str}/nearby/follow",
    tags=["places"],
    opt=PUBLIC,
    status_code=201,
    middleware=[rate_limited(Traffic.SUBMISSIONS)],
)
async def follow_nearby_report(
    code: FromPath[str],
    data: JSONBody[FollowRequest],
    request: Request[Any, Any, State],
    tenant: NamedDependency[TenantContext],
    services: NamedDependency[PlatformServices],
    offerings: NamedDependency[CouncilOfferings],
) -> Following:
    """Follow a nearby report (named as GET .../nearby gave it, for the same point) instead of sending a
    new one: the email address (a signed-in resident's own when none is given) is sent its updates."""
    offering = _located_offering(offerings, tenant, code)
    point = _point(data.latitude, data.longitude)
    resident = await provide_principal(request, services)
    email = data.email.strip() or (resident.email or "" if resident else "")
    if not valid_email(email):
        message = EMAIL_MESSAGE if email else "Enter your email address so we can send you the report's updates"
        raise Problem(
            422, "Invalid email address", message, name="invalid-email",
            extra={"errors": [{"field": "email", "message": message}]},
        )  # fmt: skip
    within = offering.service.duplicates_within_metres
    try:
        async with tenant_connection(services.database.engine, tenant) as connection:
            report, _ = await follow_nearby(
                connection, session_key(services), tenant.slug, code, point, within, data.report, email,
                resident.subject if resident else None,
            )  # fmt: skip
    except NotNearby:
        raise Problem(
            404, "No such report nearby",
            "There is no open report of this service under that name near the point: it may have been closed.",
            name="not-nearby",
        ) from None  # fmt: skip
    return Following(council=tenant.slug, service=code, email=email, report=_out(report, offering, services, tenant))


HANDLERS = [nearby_reports, follow_nearby_report]
