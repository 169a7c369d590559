"""The figures every savings line, total and comparison shows, and how they add up.

Shares are worked out from the summed counts, never averaged, so a total's share is always right.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, computed_field

from civicshare.savings.money import ratio

_Model = TypeVar("_Model", bound=BaseModel)


def without_validation(model: type[_Model], values: dict[str, Any]) -> _Model:
    """A model from values that are already the right types, every field given, nothing checked.

    Reports build thousands of rows, cells and lines from values they computed themselves; this sets
    the fields the way ``model_construct`` does, without its general-purpose (per-field) overhead.
    """
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", values)
    object.__setattr__(built, "__pydantic_fields_set__", set(values))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


class Figures(BaseModel):
    """Volumes and costs for a slice of a report.

    ``channel_shift_share`` is the published channel-shift figure: the digital share of services that
    count toward channel shift, so online-only services are left out. ``digital_share_all_services``
    includes every service. Costs are pounds, already rounded to the penny.
    """

    model_config = ConfigDict(frozen=True)

    volume: int = 0
    digital_volume: int = 0
    shift_volume: int = 0
    shift_digital_volume: int = 0
    actual_cost: Decimal = Decimal("0.00")
    baseline_cost: Decimal = Decimal("0.00")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def savings(self) -> Decimal:
        return self.baseline_cost - self.actual_cost

    @computed_field  # type: ignore[prop-decorator]
    @property
    def channel_shift_share(self) -> Decimal | None:
        return ratio(self.shift_digital_volume, self.shift_volume)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def digital_share_all_services(self) -> Decimal | None:
        return ratio(self.digital_volume, self.volume)

    @classmethod
    def of(
        cls,
        volume: int,
        digital_volume: int,
        shift_volume: int,
        shift_digital_volume: int,
        actual_cost: Decimal,
        baseline_cost: Decimal,
    ) -> Figures:
        """Figures from values that are already right (ints, penny Decimals), without validating them."""
        return without_validation(
            cls,
            {
                "volume": volume,
                "digital_volume": digital_volume,
                "shift_volume": shift_volume,
                "shift_digital_volume": shift_digital_volume,
                "actual_cost": actual_cost,
                "baseline_cost": baseline_cost,
            },
        )

    def __add__(self, other: Figures) -> Figures:
        return total_figures((self, other))


def total_figures(items: Iterable[Figures]) -> Figures:
    """The sum of some figures, added field by field (one model built, not one per item)."""
    volume = digital_volume = shift_volume = shift_digital_volume = 0
    actual_cost = baseline_cost = Decimal("0.00")
    for item in items:
        volume += item.volume
        digital_volume += item.digital_volume
        shift_volume += item.shift_volume
        shift_digital_volume += item.shift_digital_volume
        actual_cost += item.actual_cost
        baseline_cost += item.baseline_cost
    return Figures.of(
        volume=volume,
        digital_volume=digital_volume,
        shift_volume=shift_volume,
        shift_digital_volume=shift_digital_volume,
        actual_cost=actual_cost,
        baseline_cost=baseline_cost,
    )
