"""What a council can change about parking; every field has a default."""

from __future__ import annotations

from pydantic import Field

from civicshare.modules import Choice, ModuleSettings


class ParkingSettings(ModuleSettings):
    permit_zones: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="A", label="Zone A"),
            Choice(value="B", label="Zone B"),
            Choice(value="C", label="Zone C"),
        ]
    )
    permit_price_pence: int = Field(default=8000, ge=0)
    """A year's resident permit: £80 by default."""
    zone_permit_prices_pence: dict[str, int] = Field(default_factory=dict)
    """Prices for particular zones, overriding `permit_price_pence` (e.g. a town-centre zone)."""
    permit_latest_start_days: int = Field(default=60, ge=1)
    penalty_charge_pence: int = Field(default=7000, ge=0)
    """The penalty charge to pay online: £70 by default (the higher band outside London)."""
    permit_sla_working_days: int = Field(default=5, ge=1)
    challenge_sla_working_days: int = Field(default=20, ge=1)
