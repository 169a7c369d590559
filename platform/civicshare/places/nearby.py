"""Open reports of a service near a pin, so a resident can follow one instead of sending a duplicate.

A report is "near" when it is of the same service, at the same council (the query runs on the council's
own schema), still open (no closing status reached: not resolved, closed or rejected) and within the
service's `duplicates_within_metres` of the pin. The query takes a box of latitude and longitude from
`ix_transactions_place` (the existing index of pins), then keeps the reports within the circle, most
recent first. `python -m bench nearby` shows the plan: well under a millisecond in PostgreSQL among
300,000 pins; a partial index of open pins per service was four times faster still, but not worth
one more index written by every submission.

What a resident is shown of another's report is public by nature: the service, how far away it is, its
status and the day it was reported. Never its reference, the reporter or anything they typed. Each
report is named by a `report_key` (a keyed hash of the council and reference) that the follow action
hands back; a key is only accepted for a report near the same pin, so nobody can follow a request they
were not shown.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Float, Numeric, Select, and_, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.followers import Follower, follow
from civicshare.transactions.tables import transactions

METRES_PER_DEGREE_OF_LATITUDE = 111_320.0
MOST_SHOWN = 5
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


@dataclass(frozen=True)
class NearbyReport:
    transaction_id: int
    reference: str  # kept for the follow action; never shown to the resident
    service: str
    status: str
    reported_at: datetime
    metres: int
    direction: str  # from the pin: "north-east"; "" when within a few metres

    def key(self, secret: bytes, council: str) -> str:
        return report_key(secret, council, self.reference)


def report_key(secret: bytes, council: str, reference: str) -> str:
    """The name a nearby report is shown under: the same for every resident, and reveals nothing."""
    return hmac.new(secret, f"nearby:{council}:{reference}".encode(), hashlib.sha256).hexdigest()[:20]


def _offsets(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> tuple[float, float]:
    """Metres north and east from the first point to the second (flat earth: fine at these distances)."""
    north = (other_latitude - latitude) * METRES_PER_DEGREE_OF_LATITUDE
    east = (other_longitude - longitude) * METRES_PER_DEGREE_OF_LATITUDE * math.cos(math.radians(latitude))
    return north, east


def _direction(north: float, east: float) -> str:
    if math.hypot(north, east) < 5:
        return ""
    bearing = math.degrees(math.atan2(east, north)) % 360
    return _COMPASS[int((bearing + 22.5) // 45) % 8]


async def open_reports_near(
    connection: AsyncConnection,
    service: str,
    latitude: float,
    longitude: float,
    within_metres: float,
    *,
    most: int = MOST_SHOWN,
) -> list[NearbyReport]:
    """The open reports of the service within `within_metres` of the point, most recent first."""
    query = nearby_statement(service, latitude, longitude, within_metres, most)
    return [_report(row, latitude, longitude) for row in (await connection.execute(query)).mappings()]


def nearby_statement(service: str, latitude: float, longitude: float, within_metres: float, most: int) -> Select[Any]:
    """The query: a box of latitude and longitude (the index's range), then the circle within it."""
    lat_span = within_metres / METRES_PER_DEGREE_OF_LATITUDE + 1e-6  # the box rounded out to the columns' 6 places
    lon_span = lat_span / max(math.cos(math.radians(latitude)), 0.01)
    lat = cast(transactions.c.latitude, Float)
    lon = cast(transactions.c.longitude, Float)
    metres_per_degree_east = METRES_PER_DEGREE_OF_LATITUDE * math.cos(math.radians(latitude))
    north = (lat - latitude) * METRES_PER_DEGREE_OF_LATITUDE
    east = (lon - longitude) * metres_per_degree_east
    return (
        select(
            transactions.c.id,
            transactions.c.reference,
            transactions.c.service,
            transactions.c.status,
            transactions.c.created_at,
            transactions.c.latitude,
            transactions.c.longitude,
        )
        .where(
            transactions.c.service == service,
            transactions.c.closed_at.is_(None),
            transactions.c.latitude.is_not(None),
            and_(
                transactions.c.latitude.between(_degrees(latitude - lat_span), _degrees(latitude + lat_span)),
                transactions.c.longitude.between(_degrees(longitude - lon_span), _degrees(longitude + lon_span)),
            ),
            north * north + east * east <= within_metres * within_metres,
        )
        .order_by(transactions.c.created_at.desc(), transactions.c.id.desc())
        .limit(most)
    )


def _degrees(value: float) -> BindParameter[Decimal]:
    """A bound of the box as the columns' own type: compared with a float, PostgreSQL would turn every
    row's numeric into a float, and the index could not be used for the range."""
    return bindparam(None, Decimal(f"{value:.6f}"), type_=Numeric())


def _report(row: Any, latitude: float, longitude: float) -> NearbyReport:
    north, east = _offsets(latitude, longitude, float(row["latitude"]), float(row["longitude"]))
    return NearbyReport(
        transaction_id=row["id"],
        reference=row["reference"],
        service=row["service"],
        status=row["status"],
        reported_at=row["created_at"],
        metres=round(math.hypot(north, east)),
        direction=_direction(north, east),
    )


class NotNearby(Exception):
    """The report named is not an open report of the service near the pin (closed since, or never was)."""


async def follow_nearby(
    connection: AsyncConnection,
    secret: bytes,
    council: str,
    service: str,
    point: tuple[float, float],
    within_metres: float,
    key: str,
    email: str,
    resident_subject: str | None = None,
) -> tuple[NearbyReport, Follower]:
    """Follow the nearby report shown under `key`; raises NotNearby when there is none."""
    near = await open_reports_near(connection, service, *point, within_metres, most=10 * MOST_SHOWN)
    for report in near:
        if hmac.compare_digest(report.key(secret, council), key):
            return report, await follow(connection, report.transaction_id, email, resident_subject)
    raise NotNearby(key)
