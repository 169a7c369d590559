"""What a council can change about parking; every field has a default."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from civicshare.modules import Choice, ModuleSettings, normalise_postcode


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
    penalty_discount_percent: int = Field(default=50, ge=0, le=100)
    penalty_discount_days: int = Field(default=14, ge=0)
    """A penalty charge paid within this many days of issue is reduced by `penalty_discount_percent`."""
    penalty_notices: Literal["demo"] = "demo"
    """Where penalty charge notices are looked up (`notices.PenaltyNotices`): only the demo adapter so far."""
    permit_zone_postcodes: list[str] = Field(default_factory=list)
    """Postcodes in the council's permit zones, whole ("KT1 1EU") or their start ("KT1 1", "KT2")."""
    permit_zone_streets: list[str] = Field(default_factory=list)
    """Streets in the permit zones ("Fairfield Road"). With neither list set, any address may apply."""

    @field_validator("permit_zone_postcodes")
    @classmethod
    def _postcodes_or_their_start(cls, value: list[str]) -> list[str]:
        cleaned = []
        for entry in value:
            squashed = " ".join(entry.upper().split())
            if not squashed or (len(squashed.replace(" ", "")) >= 5 and normalise_postcode(squashed) is None):
                raise ValueError(f"{entry!r} is neither a postcode nor the start of one")
            cleaned.append(normalise_postcode(squashed) or squashed)
        return cleaned

    def in_permit_zone(self, address_line: str, postcode: str) -> bool:
        """Whether an address is in a permit zone, by its postcode or its street."""
        if not self.permit_zone_postcodes and not self.permit_zone_streets:
            return True
        outward = postcode.split(" ")[0]
        for start in self.permit_zone_postcodes:
            # "KT2" is a whole outward code (not KT21); "KT1 1" and "KT1 1EU" run into the inward code.
            if (" " in start and postcode.startswith(start)) or outward == start:
                return True
        words = " ".join(address_line.lower().replace(",", " ").split())
        return any(f" {street.lower()} " in f" {words} " for street in self.permit_zone_streets)
