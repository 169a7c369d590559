"""Check your answers' "Reports near this place": the open reports of the same service near the
resident's pin (`places.nearby`), each offered to follow instead of sending a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicshare.catalogue.service import Offering
from civicshare.db.engine import tenant_connection
from civicshare.places.nearby import NearbyReport, open_reports_near
from civicshare.places.responsibility import pin_of
from civicshare.web.flows import uk_day
from civicshare.web.site import WebRequest


@dataclass(frozen=True)
class ShownReport:
    """What a resident reads of another's report: where, its status and when; never who or what they typed."""

    key: str
    where: str
    status: str
    reported_on: str


def distance_words(report: NearbyReport) -> str:
    if not report.direction:
        return "Where your pin is"
    return f"About {report.metres} metres {report.direction} of your pin"


def shown(web: WebRequest, offered: Offering, report: NearbyReport) -> ShownReport:
    return ShownReport(
        key=report.key(web.site.flow_key, web.council.slug),
        where=distance_words(report),
        status=offered.status_label(report.status),
        reported_on=uk_day(report.reported_at.date()) or "",
    )


def pin_in(offered: Offering, data: dict[str, Any]) -> tuple[float, float] | None:
    """The draft's pin, for a service that asks where (a home address is never compared)."""
    return pin_of(data) if offered.service.location_required else None


async def reports_near_pin(web: WebRequest, offered: Offering, data: dict[str, Any]) -> list[ShownReport]:
    pin = pin_in(offered, data)
    if pin is None:
        return []
    async with tenant_connection(web.site.services.database.engine, web.council) as connection:
        near = await open_reports_near(connection, offered.code, *pin, offered.service.duplicates_within_metres)
    return [shown(web, offered, report) for report in near]
