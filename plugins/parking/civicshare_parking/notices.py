"""Penalty charge notices as the council's enforcement system knows them, behind a port.

`PenaltyNotices` is the port: look a notice up by its number and the vehicle's registration. The demo
adapter knows a few notices, issued relative to today so the discount period can be tried; a council's
production adapter (its enforcement system's API) implements the same port and is chosen by the
`penalty_notices` setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from civicshare_parking.settings import ParkingSettings


@dataclass(frozen=True)
class PenaltyNotice:
    number: str
    registration: str
    issued_on: date
    charge_pence: int
    contravention: str

    def discount_ends_on(self, settings: ParkingSettings) -> date:
        return self.issued_on + timedelta(days=settings.penalty_discount_days)

    def amount_due(self, settings: ParkingSettings, today: date) -> int:
        """The charge, reduced by the council's discount when paid within the discount period of issue."""
        if today <= self.discount_ends_on(settings):
            return self.charge_pence * (100 - settings.penalty_discount_percent) // 100
        return self.charge_pence


class PenaltyNotices(Protocol):
    def find(self, number: str, registration: str) -> PenaltyNotice | None:
        """The notice with this number issued to this vehicle (both normalised), or None."""
        ...


class DemoPenaltyNotices:
    """Three notices for vehicle AB12CDE: issued 3 days ago (discounted), 30 days ago (full charge), and
    one issued today for CD34EFG. Charges are the council's `penalty_charge_pence`."""

    def __init__(self, settings: ParkingSettings, today: date) -> None:
        charge = settings.penalty_charge_pence
        self._notices = {
            notice.number: notice
            for notice in (
                PenaltyNotice("DM00000001", "AB12CDE", today - timedelta(days=3), charge, "Parked in a permit bay"),
                PenaltyNotice("DM00000002", "AB12CDE", today - timedelta(days=30), charge, "Parked on a yellow line"),
                PenaltyNotice("DM00000003", "CD34EFG", today, charge, "Parked in a loading bay"),
            )
        }

    def find(self, number: str, registration: str) -> PenaltyNotice | None:
        notice = self._notices.get(number)
        return notice if notice is not None and notice.registration == registration else None


def penalty_notices(settings: ParkingSettings, today: date) -> PenaltyNotices:
    """The council's notices, through the adapter its settings choose."""
    if settings.penalty_notices == "demo":
        return DemoPenaltyNotices(settings, today)
    raise LookupError(f"no penalty notices adapter {settings.penalty_notices!r}")
