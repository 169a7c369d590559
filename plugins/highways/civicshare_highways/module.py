from __future__ import annotations

from civicshare.modules import ServiceModule
from civicshare_highways.services import SERVICES
from civicshare_highways.settings import HighwaysSettings

module = ServiceModule[HighwaysSettings](
    code="highways",
    title="Highways",
    summary="Report potholes, broken streetlights and fly-tipping.",
    version="0.1.0",
    settings_model=HighwaysSettings,
    services=SERVICES,
    min_core_version="0.1",
)
