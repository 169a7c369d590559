"""A shared-service group: councils that run one platform together, such as Newham and Havering.

Each member keeps its own figures; the group report shows them side by side with the group's total,
and shares the group's platform cost for the period among the members, either in proportion to each
member's volume of contacts in the period or by fixed shares agreed in the group file. Apportioned
amounts are whole pence that add up exactly to the platform cost (largest-remainder rounding: everyone
gets the penny floor of their exact share, and the pennies left over go to the largest remainders).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from civicshare.savings.figures import Figures, total_figures
from civicshare.savings.money import from_pence, largest_remainder, to_pence
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import SavingsReport


class Apportionment(StrEnum):
    BY_VOLUME = "by_volume"
    FIXED_SHARES = "fixed_shares"


class SharedServiceGroup(BaseModel):
    """A group as described in its group file."""

    model_config = ConfigDict(frozen=True)

    name: str
    members: tuple[str, ...] = Field(min_length=1)
    shared_platform_cost: Decimal = Field(ge=0, decimal_places=2)
    apportionment: Apportionment
    fixed_shares: dict[str, Decimal] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.members)) != len(self.members):
            raise ValueError("A council is listed more than once in the group")
        if self.apportionment is Apportionment.BY_VOLUME:
            if self.fixed_shares is not None:
                raise ValueError("Fixed shares are only used when apportionment is fixed_shares")
            return self
        if self.fixed_shares is None:
            raise ValueError("Give each member's fixed share of the platform cost")
        if set(self.fixed_shares) != set(self.members):
            raise ValueError("Fixed shares must name exactly the group's members")
        if any(share < 0 for share in self.fixed_shares.values()):
            raise ValueError("Each fixed share must be 0 or more")
        total = sum(self.fixed_shares.values(), Decimal(0))
        if total != 1:
            raise ValueError(f"Fixed shares must add up to 1; they add up to {total}")
        return self


class GroupMember(BaseModel):
    model_config = ConfigDict(frozen=True)

    council: str
    figures: Figures
    platform_cost_share: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def savings_after_platform_cost(self) -> Decimal:
        return self.figures.savings - self.platform_cost_share

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cashable_saving_after_platform_cost(self) -> Decimal:
        return self.figures.cashable_saving - self.platform_cost_share


class GroupReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    period: ReportPeriod
    apportionment: Apportionment
    shared_platform_cost: Decimal
    members: tuple[GroupMember, ...]
    totals: Figures

    @computed_field  # type: ignore[prop-decorator]
    @property
    def savings_after_platform_cost(self) -> Decimal:
        return self.totals.savings - self.shared_platform_cost

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cashable_saving_after_platform_cost(self) -> Decimal:
        """What a shared service's cashable target is measured against: money no longer spent, less the platform."""
        return self.totals.cashable_saving - self.shared_platform_cost


def build_group_report(group: SharedServiceGroup, reports: Mapping[str, SavingsReport]) -> GroupReport:
    """The group's report from each member's own report for the same period.

    Apportioning by volume when no member had any contacts splits the cost equally.
    """
    missing = [council for council in group.members if council not in reports]
    if missing:
        raise ValueError(f"No savings report for: {', '.join(missing)}")
    member_reports = [reports[council] for council in group.members]
    periods = {report.period for report in member_reports}
    if len(periods) != 1:
        raise ValueError("Every member's report must cover the same period")

    pence = _apportion(group, member_reports)
    members = tuple(
        GroupMember(council=report.council, figures=report.totals, platform_cost_share=from_pence(share))
        for report, share in zip(member_reports, pence, strict=True)
    )
    return GroupReport(
        group=group.name,
        period=periods.pop(),
        apportionment=group.apportionment,
        shared_platform_cost=from_pence(to_pence(group.shared_platform_cost)),
        members=members,
        totals=total_figures(member.figures for member in members),
    )


def _apportion(group: SharedServiceGroup, member_reports: list[SavingsReport]) -> list[int]:
    total = to_pence(group.shared_platform_cost)
    weights: list[Decimal | int]
    if group.fixed_shares is not None:
        weights = [group.fixed_shares[report.council] for report in member_reports]
    else:
        weights = [report.totals.volume for report in member_reports]
        if not any(weights):
            weights = [1] * len(member_reports)
    return largest_remainder(total, weights)
