"""What the savings API sends and receives (reports themselves are the engine's typed results)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from civicshare.savings.channels import Channel
from civicshare.savings.services import SERVICE_CODE_PATTERN

ServiceCode = Annotated[str, Field(pattern=SERVICE_CODE_PATTERN, max_length=63)]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitCostIn(WireModel):
    """A council's own cost of one contact on a channel, from a date; for one service or council-wide."""

    channel: Channel
    unit_cost: Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=2)]
    effective_from: date
    service: ServiceCode | None = None
    note: Annotated[str, Field(max_length=500)] | None = None
    replace: bool = False
    """Replace a cost already set for the same channel, service and start date (otherwise 409)."""


class UnitCostOut(WireModel):
    channel: Channel
    unit_cost: Decimal
    effective_from: date
    service: str | None
    source: str
    """``definition`` (the council's file) or ``api``."""


class UnitCostsOut(WireModel):
    defaults: dict[Channel, Decimal]
    """Each channel's cost where no override applies: the platform's, or the council file's ``unit_costs``."""
    overrides: list[UnitCostOut]


class BaselineIn(WireModel):
    """A service's channel mix before the platform: shares that add up to exactly 1.

    ``measured_from`` and ``measured_before`` date the mix: an online-only service's savings use only a
    dated baseline (a real mix from before it moved online). ``contacts``, the counts per channel the
    shares were measured from between those dates, let the report work out the cashable saving.
    """

    shares: dict[Channel, Annotated[Decimal, Field(ge=0, le=1)]]
    measured_from: date | None = None
    measured_before: date | None = None
    contacts: dict[Channel, Annotated[int, Field(ge=0, le=10**12)]] | None = None


class DeriveBaselineIn(WireModel):
    """Work out each service's mix from its contacts before ``before`` (and on or after ``since``)."""

    before: date
    since: date | None = None


class BaselineOut(WireModel):
    service: str
    shares: dict[Channel, Decimal]
    source: str
    measured_from: date | None
    measured_before: date | None
    contacts: dict[Channel, int] | None = None
    """The contacts the mix was measured from, if known, over ``window_days`` days."""
    window_days: int | None = None


class BaselinesOut(WireModel):
    services: list[BaselineOut]


class RejectedRowOut(WireModel):
    line: int
    values: list[str]
    reasons: list[str]


class OfflineImportOut(WireModel):
    """``rejected_rows`` are the rows skipped by a partial import (``partial=true``)."""

    accepted: int
    rejected: int
    changed: int
    already_imported: bool
    rejected_rows: list[RejectedRowOut]


class CloseMonthIn(WireModel):
    month: Annotated[str, Field(description="YYYY-MM, a month that has ended", max_length=7)]
    note: Annotated[str, Field(max_length=500)] | None = None


class ClosedMonthOut(WireModel):
    month: str
    closed_at: datetime
    closed_by: str
    closed_for: str | None
    """The member of the shared-service group whose admin closed it, when not this council."""
    note: str | None


class ClosedMonthsOut(WireModel):
    closed: list[ClosedMonthOut]
