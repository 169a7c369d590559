from datetime import date
from decimal import Decimal

from civicshare.savings.baseline import BaselineMix
from civicshare.savings.channels import Channel
from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.csv_export import COLUMNS, report_to_csv
from civicshare.savings.measures import build_measures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import Grouping, build_savings_report
from civicshare.savings.rollups import RollupRow
from civicshare.savings.services import ServiceFlags


def test_a_report_exports_one_row_per_month_service_and_channel_with_stable_columns() -> None:
    report = build_savings_report(
        council="kingston",
        period=ReportPeriod(start=date(2024, 3, 1), end=date(2024, 4, 30)),
        rollups=[
            RollupRow(day=date(2024, 3, 15), service="report-pothole", channel=Channel.PHONE, count=10),
            RollupRow(day=date(2024, 3, 15), service="report-pothole", channel=Channel.WEB, count=10),
            RollupRow(day=date(2024, 4, 20), service="pay-council-tax", channel=Channel.WEB, count=30),
        ],
        services={
            "report-pothole": ServiceFlags(code="report-pothole"),
            "pay-council-tax": ServiceFlags(code="pay-council-tax", online_only=True),
        },
        unit_costs=UnitCostSchedule(),
        baseline={"report-pothole": BaselineMix(shares={Channel.PHONE: Decimal("0.8"), Channel.WEB: Decimal("0.2")})},
        group_by=(Grouping.MONTH, Grouping.SERVICE, Grouping.CHANNEL),
    )

    # Pothole calls: actual 10 x 2.83 = 28.30, baseline 16 x 2.83 = 45.28.
    # Pothole web: actual 10 x 0.15 = 1.50, baseline 4 x 0.15 = 0.60.
    # Council tax payments (no baseline): 30 x 0.15 = 4.50 both ways.
    # No baseline records its volume, so the cashable and spending-change columns are all 0 (cost avoided = savings).
    # The service measures of each month and service, all channels: potholes in March 29.80 / 20 = 1.49 and
    # 10 of 20 online; council tax in April 4.50 / 30 = 0.15, all online; no journeys or feedback counted.
    measures = build_measures(
        council="kingston", period=report.period, report_lines=report.lines, journeys={}, ratings={}
    )
    assert report_to_csv(report, measures) == (
        ",".join(COLUMNS) + "\n"
        "kingston,2024-03-01,2024-04-30,2024-03,report-pothole,phone,10,0,10,0,0.0000,0.0000,28.30,45.28,16.98,"
        "16.98,0.00,0,0,0,0,0,0.00,0.00,0.00,1.49,0.5000,,\n"
        "kingston,2024-03-01,2024-04-30,2024-03,report-pothole,web,10,10,10,10,1.0000,1.0000,1.50,0.60,-0.90,"
        "-0.90,0.00,0,0,0,0,0,0.00,0.00,0.00,1.49,0.5000,,\n"
        "kingston,2024-03-01,2024-04-30,2024-04,pay-council-tax,web,30,30,0,0,,1.0000,4.50,4.50,0.00,"
        "0.00,0.00,0,0,0,0,0,0.00,0.00,0.00,0.15,1.0000,,\n"
    )
    assert COLUMNS[:6] == ("council", "period_start", "period_end", "month", "service", "channel")
