from __future__ import annotations

from civicshare.modules import ServiceModule
from civicshare_parking.services import SERVICES
from civicshare_parking.settings import ParkingSettings

module = ServiceModule[ParkingSettings](
    code="parking",
    title="Parking",
    summary="Resident parking permits; pay or challenge a penalty charge notice.",
    version="0.1.0",
    settings_model=ParkingSettings,
    services=SERVICES,
    min_core_version="0.1",
)
