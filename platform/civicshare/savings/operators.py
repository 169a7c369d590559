"""The operators' view: every council's figures side by side, and the platform's totals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from civicshare.savings.figures import Figures, total_figures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import SavingsReport


class CouncilSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    council: str
    figures: Figures
    avoided_contact_savings: Decimal | None = None


class PlatformOverview(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: ReportPeriod
    councils: tuple[CouncilSummary, ...]
    totals: Figures


def build_platform_overview(period: ReportPeriod, reports: Iterable[SavingsReport]) -> PlatformOverview:
    """Councils in alphabetical order of their slug; every report must cover ``period``."""
    summaries: list[CouncilSummary] = []
    for report in sorted(reports, key=lambda report: report.council):
        if report.period != period:
            raise ValueError(f"The report for {report.council} covers a different period")
        summaries.append(
            CouncilSummary(
                council=report.council,
                figures=report.totals,
                avoided_contact_savings=report.avoided_contacts.savings if report.avoided_contacts else None,
            )
        )
    if len({summary.council for summary in summaries}) != len(summaries):
        raise ValueError("A council has more than one report")
    return PlatformOverview(
        period=period,
        councils=tuple(summaries),
        totals=total_figures(summary.figures for summary in summaries),
    )
