"""What a council can change about council tax services; every field has a default."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from civicshare.modules import ModuleSettings


class CouncilTaxSettings(ModuleSettings):
    account_number_pattern: str = r"^[0-9]{8}$"
    """The shape of this council's council tax account numbers (8 digits by default)."""
    account_number_example: str = "12345678"
    new_account_prefix: str = "9"
    """New accounts opened for a house move are this prefix followed by the move's reference number."""
    single_person_discount_percent: int = Field(default=25, ge=0, le=100)
    """25% by law in England and Wales; shown to residents, applied by the back office."""
    discount_sla_working_days: int = Field(default=10, ge=1)
    move_sla_working_days: int = Field(default=1, ge=1)
    """House moves are set up the same day; staff finish the checks within this many working days."""
    move_backdate_limit_days: int = Field(default=90, ge=0)
    max_online_payment_pence: int = Field(default=500_000, ge=1)

    @field_validator("account_number_pattern")
    @classmethod
    def _is_a_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from error
        return value
