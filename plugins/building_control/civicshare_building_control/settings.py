"""What a council can change about building control inspections; every field has a default."""

from __future__ import annotations

from pydantic import Field

from civicshare.modules import Choice, ModuleSettings


class BuildingControlSettings(ModuleSettings):
    inspection_types: list[Choice] = Field(
        default_factory=lambda: [
            Choice(value="excavation", label="Foundation excavation"),
            Choice(value="foundations", label="Foundation concrete"),
            Choice(value="damp_proof_course", label="Damp proof course"),
            Choice(value="drainage", label="Drainage"),
            Choice(value="structure", label="Structural frame or roof"),
            Choice(value="pre_plaster", label="Insulation before plastering"),
            Choice(value="completion", label="Completion"),
        ]
    )
    booking_window_working_days: int = Field(default=10, ge=1)
    """Residents can ask for an inspection up to this many working days ahead."""
    application_reference_pattern: str = r"^[A-Z]{2,4}/[0-9]{2,4}/[0-9]{3,6}$"
    application_reference_example: str = "BC/2026/01234"
    confirmation_sla_working_days: int = Field(default=1, ge=1)
