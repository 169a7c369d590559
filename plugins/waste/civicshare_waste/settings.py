"""What a council can change about its waste services; every field has a default."""

from __future__ import annotations

from pydantic import Field

from civicshare.modules import Choice, ModuleSettings


class WasteSettings(ModuleSettings):
    garden_waste_price_per_bin_pence: int = Field(default=5000, ge=0)
    """Yearly garden waste subscription per bin: £50 by default (many councils charge £40 to £70)."""
    garden_waste_max_bins: int = Field(default=3, ge=1)
    garden_waste_earliest_start_days: int = Field(default=1, ge=0)
    """A subscription starts at least this many days from today (time to deliver a bin)."""
    bin_delivery_fee_pence: int = Field(default=0, ge=0)
    """Charge for a new or replacement bin; 0 means free (some councils charge around £25)."""
    bin_types: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="rubbish", label="Rubbish"),
            Choice(value="recycling", label="Recycling"),
            Choice(value="food", label="Food waste"),
            Choice(value="garden", label="Garden waste"),
        ]
    )
    missed_bin_report_within_days: int = Field(default=2, ge=1)
    """Missed collections can be reported up to this many days after collection day."""
    missed_bin_sla_working_days: int = Field(default=2, ge=1)
    new_bin_sla_working_days: int = Field(default=10, ge=1)
