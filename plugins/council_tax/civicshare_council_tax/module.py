from __future__ import annotations

from civicshare.modules import ServiceModule
from civicshare_council_tax.services import SERVICES
from civicshare_council_tax.settings import CouncilTaxSettings

module = ServiceModule[CouncilTaxSettings](
    code="council_tax",
    title="Council tax",
    summary="Apply for a discount, tell us you are moving, pay your council tax.",
    version="0.1.0",
    settings_model=CouncilTaxSettings,
    services=SERVICES,
    min_core_version="0.1",
)
