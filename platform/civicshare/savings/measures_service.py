"""A council's four service measures from the database (``savings.measures`` does the arithmetic).

The transactions and their cost come from the savings report (daily rollups and offline counts); the
journeys and feedback ratings from their own tables. A report already grouped by month and service is
reused; otherwise one is built, grouped so, without the figures the measures do not need.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.feedback import ratings_by_month
from civicshare.savings.journeys import journeys_by_month
from civicshare.savings.measures import ServiceMeasures, build_measures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping, SavingsReport
from civicshare.savings.reporting import council_savings
from civicshare.savings.service_flags import ServiceFlagsSource
from civicshare.tenancy.context import TenantContext

MEASURES_GROUPING = (Grouping.MONTH, Grouping.SERVICE)


def grouped_for_measures(report: SavingsReport) -> bool:
    return Grouping.MONTH in report.grouped_by and Grouping.SERVICE in report.grouped_by


async def council_measures(
    connection: AsyncConnection,
    tenant: TenantContext,
    flags_source: ServiceFlagsSource,
    period: ReportPeriod,
    report: SavingsReport | None = None,
) -> ServiceMeasures:
    """The measures for the period; ``report``, when grouped by month and service, saves building another."""
    if report is None or not grouped_for_measures(report) or report.period != period:
        savings = await council_savings(
            connection,
            tenant,
            flags_source,
            period,
            group_by=MEASURES_GROUPING,
            avoided=None,
            with_savings_to_date=False,
            with_avoidable_contact=False,
        )
        report = savings.report
    return build_measures(
        council=tenant.slug,
        period=period,
        report_lines=report.lines,
        journeys=await journeys_by_month(connection, period),
        ratings=await ratings_by_month(connection, period),
    )
