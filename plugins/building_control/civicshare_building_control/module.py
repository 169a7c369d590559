from __future__ import annotations

from civicshare.modules import ServiceModule
from civicshare_building_control.services import SERVICES
from civicshare_building_control.settings import BuildingControlSettings

module = ServiceModule[BuildingControlSettings](
    code="building_control",
    title="Building control",
    summary="Request a building control site inspection.",
    version="0.1.0",
    settings_model=BuildingControlSettings,
    services=SERVICES,
    min_core_version="0.1",
)
