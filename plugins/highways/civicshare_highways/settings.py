"""What a council can change about its highways reports; every field has a default."""

from __future__ import annotations

from pydantic import Field

from civicshare.modules import Choice, ModuleSettings


class HighwaysSettings(ModuleSettings):
    pothole_sla_working_days: int = Field(default=10, ge=1)
    """Working days to inspect a reported pothole (dangerous ones are made safe sooner, by phone)."""
    streetlight_sla_working_days: int = Field(default=10, ge=1)
    fly_tipping_sla_working_days: int = Field(default=5, ge=1)
    streetlight_faults: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="out", label="The light is not working"),
            Choice(value="on_in_day", label="The light is on during the day"),
            Choice(value="flickering", label="The light is flickering"),
            Choice(value="damaged", label="The column or lamp is damaged"),
        ]
    )
    fly_tipping_waste_types: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="household", label="Household rubbish"),
            Choice(value="furniture", label="Furniture or mattresses"),
            Choice(value="building", label="Building rubble"),
            Choice(value="garden", label="Garden waste"),
            Choice(value="hazardous", label="Chemicals, asbestos or other dangerous waste"),
        ]
    )
