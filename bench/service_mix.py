"""The services a benchmark council offers, weighted as councils see them, with their workflows' statuses and
SLAs; and the streets its requests are made on. Shared by the staff pages' and the national benchmarks.

Nothing here imports the test suite: its conftest sets the suite's environment (no spare council schemas,
savings reports worked out after every submission...), which the national benchmark's nodes would inherit.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicshare.modules import ModuleRegistry, installed_core_version, sla_working_days

# How often each service is asked for, relative to one another (a service not named here: 2).
WEIGHTS = {
    "report-missed-bin": 25,
    "report-pothole": 15,
    "report-fly-tipping": 10,
    "pay-council-tax": 10,
    "pay-penalty-charge": 8,
    "resident-parking-permit": 6,
    "report-streetlight": 5,
    "tell-us-you-are-moving": 5,
    "garden-waste-subscription": 5,
    "order-bin": 4,
    "single-person-discount": 3,
    "challenge-penalty-charge": 3,
    "request-site-inspection": 1,
}
STREET_WORDS = (
    "Mill Church Station Park Victoria Albert Queens Kings Manor Grove Orchard Meadow Chestnut Beech "
    "Willow Elm Oak Ash Cedar Hawthorn Tolworth Surbiton Canbury Coombe Malden Norbiton Berrylands Hook "
    "Chessington Richmond Fairfield Eden Brook Penrhyn Burton Lovelace Portsmouth Claremont Ewell "
    "Cambridge Kingsnympton Gloucester Devon Somerset Dorset Cornwall Essex Kent Sussex Hampton Warren "
    "Ditton Lingfield Addison Wolverton Villiers Lindsay Beaufort Raeburn Tudor Stuart Windsor Lancaster "
    "York"
)
STREET_NAMES = STREET_WORDS.split()
STREET_KINDS = ("Road", "Lane", "Street", "Avenue", "Close", "Gardens", "Way", "Drive", "Place", "Rise")
STREETS = len(STREET_NAMES) * len(STREET_KINDS)


@dataclass(frozen=True)
class ServiceMix:
    module: str
    service: str
    weight: int
    open_statuses: list[str]
    closing_statuses: list[str]
    sla_days: int | None


def service_mix() -> list[ServiceMix]:
    """Every installed service with its workflow's statuses in order (the usual closing status first)."""
    registry = ModuleRegistry.discover(core_version=installed_core_version())
    mix = []
    for module in registry:
        for service in module.services:
            states = service.workflow.states
            closing = service.workflow.closing
            mix.append(
                ServiceMix(
                    module.code,
                    service.code,
                    WEIGHTS.get(service.code, 2),
                    [status for status in states if status not in closing],
                    [status for status in states if status in closing],
                    sla_working_days(service, module.default_settings()),
                )
            )
    return mix
