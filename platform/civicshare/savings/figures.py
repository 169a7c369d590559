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
    built = _new(model)
    _set(built, "__dict__", values)
    fields = _fields_of.get(model)
    if fields is None:
        # Every field is given, and frozen models never change the set, so one set per model serves all.
        fields = _fields_of[model] = set(model.model_fields)
    _set_fields_set(built, fields)
    _set_extra(built, None)
    _set_private(built, None)
    return built


_fields_of: dict[type[BaseModel], set[str]] = {}
# BaseModel's own slots, set through their descriptors: the same as object.__setattr__, a little faster.
_new = object.__new__
_set = object.__setattr__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class Figures(BaseModel):
    """Volumes and costs for a slice of a report.

    ``channel_shift_share`` is the published channel-shift figure: the digital share of services that
    count toward channel shift, so online-only services are left out. ``digital_share_all_services``
    includes every service. Costs are pounds, already rounded to the penny.

    Two savings figures, never to be added together (HM Treasury Green Book):

    - ``cost_avoided`` (non-cashable): what these contacts would have cost with the baseline channel
      mix, less what they cost. It counts new demand the website brings in as if it would have come
      through the old channels. ``savings`` is the same figure under its older name.
    - ``cashable_saving``: staffed contacts no longer handled, priced at each day's unit costs: the
      staffed contacts of the same days at the baseline's daily rate (``baseline_staffed_volume``), less
      those handled (``staffed_volume``). Money no longer spent; negative if staffed contacts rose.

    The comparison with the baseline's volume covers services whose baseline records the contacts it
    was measured from, in months when the service had staffed contacts (a month without any is taken
    as figures not yet imported, not as every call gone; an online-only service, which has no staffed
    contacts, is compared in months with any contacts). ``compared_volume`` and ``baseline_volume``
    are all the contacts of those service-months, now and at the baseline's rate: ``demand_change``.

    ``spending_change`` is the change in spending on those service-months: what their contacts cost
    (``compared_cost``) less what the baseline's daily volume on every channel would cost over the same
    days (``baseline_volume_cost``), both at each day's unit costs, so a change of price never shows as
    one of spending. Positive when spending rose: 100 calls before, 100 calls and 100 web reports now,
    spending rose by the web reports' £15 while £268 of cost was avoided and nothing was cashable.
    """

    model_config = ConfigDict(frozen=True)

    volume: int = 0
    digital_volume: int = 0
    shift_volume: int = 0
    shift_digital_volume: int = 0
    actual_cost: Decimal = Decimal("0.00")
    baseline_cost: Decimal = Decimal("0.00")
    compared_volume: int = 0
    baseline_volume: int = 0
    staffed_volume: int = 0
    baseline_staffed_volume: int = 0
    cashable_saving: Decimal = Decimal("0.00")
    compared_cost: Decimal = Decimal("0.00")
    baseline_volume_cost: Decimal = Decimal("0.00")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def savings(self) -> Decimal:
        return self.baseline_cost - self.actual_cost

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_avoided(self) -> Decimal:
        return self.baseline_cost - self.actual_cost

    @computed_field  # type: ignore[prop-decorator]
    @property
    def demand_change(self) -> int:
        return self.compared_volume - self.baseline_volume

    @computed_field  # type: ignore[prop-decorator]
    @property
    def demand_change_share(self) -> Decimal | None:
        """The change in total demand as a share of the baseline's, such as 1.0 for twice the contacts."""
        return ratio(self.compared_volume - self.baseline_volume, self.baseline_volume)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def spending_change(self) -> Decimal:
        """The change in spending: this demand's cost less the baseline's, at the same unit costs."""
        return self.compared_cost - self.baseline_volume_cost

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
        compared_volume: int = 0,
        baseline_volume: int = 0,
        staffed_volume: int = 0,
        baseline_staffed_volume: int = 0,
        cashable_saving: Decimal = Decimal("0.00"),
        compared_cost: Decimal = Decimal("0.00"),
        baseline_volume_cost: Decimal = Decimal("0.00"),
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
                "compared_volume": compared_volume,
                "baseline_volume": baseline_volume,
                "staffed_volume": staffed_volume,
                "baseline_staffed_volume": baseline_staffed_volume,
                "cashable_saving": cashable_saving,
                "compared_cost": compared_cost,
                "baseline_volume_cost": baseline_volume_cost,
            },
        )

    def __add__(self, other: Figures) -> Figures:
        return total_figures((self, other))


def total_figures(items: Iterable[Figures]) -> Figures:
    """The sum of some figures, added field by field (one model built, not one per item)."""
    volume = digital_volume = shift_volume = shift_digital_volume = 0
    compared_volume = baseline_volume = staffed_volume = baseline_staffed_volume = 0
    actual_cost = baseline_cost = cashable_saving = compared_cost = baseline_volume_cost = Decimal("0.00")
    for item in items:
        volume += item.volume
        digital_volume += item.digital_volume
        shift_volume += item.shift_volume
        shift_digital_volume += item.shift_digital_volume
        actual_cost += item.actual_cost
        baseline_cost += item.baseline_cost
        compared_volume += item.compared_volume
        baseline_volume += item.baseline_volume
        staffed_volume += item.staffed_volume
        baseline_staffed_volume += item.baseline_staffed_volume
        cashable_saving += item.cashable_saving
        compared_cost += item.compared_cost
        baseline_volume_cost += item.baseline_volume_cost
    return Figures.of(
        volume,
        digital_volume,
        shift_volume,
        shift_digital_volume,
        actual_cost,
        baseline_cost,
        compared_volume,
        baseline_volume,
        staffed_volume,
        baseline_staffed_volume,
        cashable_saving,
        compared_cost,
        baseline_volume_cost,
    )
