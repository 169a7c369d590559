"""A savings report as CSV, one row per line of the report.

Build the report grouped by month, service and channel for the standard export: one row per month x
service x channel. Columns, in this order, and stable (add new ones only at the end):

- ``council``: the council's slug
- ``period_start``, ``period_end``: the report's period, ``YYYY-MM-DD``, both days included
- ``month`` (``YYYY-MM``), ``service``, ``channel``: the line's group; empty when not grouped by it
- ``volume``: contacts on every channel
- ``digital_volume``: contacts on web and app
- ``shift_volume``, ``shift_digital_volume``: the same, for services in the channel-shift figure only
- ``channel_shift_share``: shift_digital_volume / shift_volume, 4 decimal places; empty if no volume
- ``digital_share_all_services``: digital_volume / volume, 4 decimal places; empty if no volume
- ``actual_cost``, ``baseline_cost``, ``savings``: pounds and pence, like ``1234.56``, no £ sign
- ``cost_avoided``: the same as ``savings`` under its clear name: non-cashable, today's demand priced at
  the baseline channel mix, less its cost
- ``cashable_saving``: the staffed contacts no longer handled, priced at each day's unit costs
- ``staffed_volume``, ``baseline_staffed_volume``: staffed contacts handled, and at the baseline's daily
  rate, in the service-months compared with the baseline's volume
- ``compared_volume``, ``baseline_volume``, ``demand_change``: every contact of those service-months,
  now and at the baseline's daily rate, and the difference (the change in total demand)
- ``compared_cost``, ``baseline_volume_cost``, ``spending_change``: what the contacts of those
  service-months cost, what the baseline's daily volume on every channel would cost over the same days,
  both at each day's unit costs, and the difference (the change in spending; positive when it rose)
- ``service_month_cost_per_transaction``, ``service_month_digital_take_up``,
  ``service_month_completion_rate``, ``service_month_user_satisfaction``: the four service measures
  (``savings.measures``) of the line's month and service, all channels together, so the same on each
  channel's row of that month and service; empty when there is nothing to divide, or when the report
  is not grouped by month and service

Which figure suits which use (HM Treasury Green Book): the cashable saving is money no longer spent,
for budgets and savings a finance officer signs off; the cost avoided is a non-cashable benefit, for
showing what the shift online is worth at today's demand, and is never added to the cashable saving.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from civicshare.savings.measures import Measures, ServiceMeasures
from civicshare.savings.report import ReportLine, SavingsReport

COLUMNS: tuple[str, ...] = (
    "council",
    "period_start",
    "period_end",
    "month",
    "service",
    "channel",
    "volume",
    "digital_volume",
    "shift_volume",
    "shift_digital_volume",
    "channel_shift_share",
    "digital_share_all_services",
    "actual_cost",
    "baseline_cost",
    "savings",
    "cost_avoided",
    "cashable_saving",
    "staffed_volume",
    "baseline_staffed_volume",
    "compared_volume",
    "baseline_volume",
    "demand_change",
    "compared_cost",
    "baseline_volume_cost",
    "spending_change",
    "service_month_cost_per_transaction",
    "service_month_digital_take_up",
    "service_month_completion_rate",
    "service_month_user_satisfaction",
)


def report_to_csv(report: SavingsReport, measures: ServiceMeasures | None = None) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(COLUMNS)
    by_key = {(line.month, line.service): line for line in measures.lines} if measures is not None else {}
    for line in report.lines:
        writer.writerow(_row(report, line) + _measures(by_key.get((line.month, line.service))))
    return output.getvalue()


def _measures(line: Measures | None) -> tuple[str, ...]:
    if line is None:
        return ("", "", "", "")
    return (
        _optional(line.cost_per_transaction),
        _optional(line.digital_take_up),
        _optional(line.completion_rate),
        _optional(line.user_satisfaction),
    )


def _row(report: SavingsReport, line: ReportLine) -> tuple[str, ...]:
    figures = line.figures
    return (
        report.council,
        report.period.start.isoformat(),
        report.period.end.isoformat(),
        line.month or "",
        line.service or "",
        line.channel.value if line.channel else "",
        str(figures.volume),
        str(figures.digital_volume),
        str(figures.shift_volume),
        str(figures.shift_digital_volume),
        _optional(figures.channel_shift_share),
        _optional(figures.digital_share_all_services),
        str(figures.actual_cost),
        str(figures.baseline_cost),
        str(figures.savings),
        str(figures.cost_avoided),
        str(figures.cashable_saving),
        str(figures.staffed_volume),
        str(figures.baseline_staffed_volume),
        str(figures.compared_volume),
        str(figures.baseline_volume),
        str(figures.demand_change),
        str(figures.compared_cost),
        str(figures.baseline_volume_cost),
        str(figures.spending_change),
    )


def _optional(value: Decimal | None) -> str:
    return "" if value is None else str(value)
