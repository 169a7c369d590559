from __future__ import annotations

from civicshare.modules import ServiceModule
from civicshare_waste.services import SERVICES
from civicshare_waste.settings import WasteSettings

module = ServiceModule[WasteSettings](
    code="waste",
    title="Bins and recycling",
    summary="Report a missed bin, order a bin, subscribe to garden waste collection.",
    version="0.1.0",
    settings_model=WasteSettings,
    services=SERVICES,
    min_core_version="0.1",
    # Residents name garden waste bins by their lid colour.
    synonyms={"brown": ("garden",), "green": ("garden",)},
)
