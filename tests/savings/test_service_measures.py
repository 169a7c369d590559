"""The four measures every GOV.UK service publishes, for a council's pothole reports this month: three
residents start on the website, two send a report and answer the feedback question, and three phone
calls are imported. Every figure below is worked out by hand."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import text

from civicshare.app import build_services
from civicshare.db.engine import Database
from civicshare.housekeeping import tidy_every_council
from civicshare.identity.dev_identity import DevIdentity
from civicshare.modules.working_days import uk_today
from civicshare.savings.channels import Channel
from civicshare.savings.feedback import Rating
from civicshare.savings.figures import Figures
from civicshare.savings.journeys import JourneyCount
from civicshare.savings.measures import build_measures
from civicshare.savings.period import ReportPeriod
from civicshare.savings.report import ReportLine
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext
from tests.auth.conftest import dev_identity
from tests.savings.conftest import AS, LiveCouncilFactory
from tests.savings.test_savings_dashboard import officer_cookies
from tests.support import ServedPlatform, host_for

__all__ = ["dev_identity"]

SERVICE = "report-pothole"
BROWSER = {"Accept": "text/html"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN = {AS: "council-admin"}
COMMENT = "The map was hard to use on my phone"


class Resident:
    """One browser at the council's website, with its own cookies."""

    def __init__(self, served: ServedPlatform, council: TenantContext) -> None:
        self.client = httpx.AsyncClient(base_url=served.url, timeout=30)
        self.headers = {**host_for(council.slug), **BROWSER}
        self.token = ""
        self.reference = ""

    async def start(self) -> httpx.Response:
        page = await self.client.get(f"/services/{SERVICE}/location", headers=self.headers)
        assert page.status_code == 200, page.text
        self.token = TOKEN.search(page.text)[1]  # type: ignore[index]
        return page

    async def send(self) -> str:
        answers = {
            "location": {"location_description": "Outside 9 Market Place"},
            "details": {"size": "large", "on": "road"},
            "contact": {"email": f"measures-{uuid.uuid4().hex[:6]}@example.org"},
            "check": {},
        }
        for step, fields in answers.items():
            answered = await self.post(f"/services/{SERVICE}/{step}", {**fields})
            assert answered.status_code == 303, answered.text
        confirmation = await self.client.get(f"/services/{SERVICE}/confirmation", headers=self.headers)
        self.reference = re.search(r"[A-Z]+-\d{4}-\d+", confirmation.text)[0]  # type: ignore[index]
        assert "Overall, how did you feel about the service you received today?" in confirmation.text
        return confirmation.text

    async def post(self, path: str, fields: dict[str, str]) -> httpx.Response:
        return await self.client.post(path, data={**fields, "csrf_token": self.token}, headers=self.headers)

    async def feedback(self, rating: str, comment: str = "") -> httpx.Response:
        return await self.post(f"/services/{SERVICE}/feedback/{self.reference}", {"rating": rating, "comment": comment})

    async def close(self) -> None:
        await self.client.aclose()


async def _stored(database: Database, council: TenantContext, table: str) -> list[dict[str, object]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(f'select * from "{council.schema}".{table} order by 1, 2, 3'))
        return [dict(row._mapping) for row in rows]


async def test_the_four_measures_from_residents_journeys_feedback_and_imported_calls(
    database: Database,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    live_council: LiveCouncilFactory,
    dev_identity: DevIdentity,
) -> None:
    council = await live_council(modules={"highways": {"enabled": True}})
    today = uk_today()
    month = today.isoformat()[:7]
    staff = host_for(council.slug)
    imported = await http.post(
        "/api/v1/savings/offline-contacts",
        content=f"date,service,channel,count\n{today.isoformat()},{SERVICE},phone,3\n",
        headers={**staff, "content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text

    first, second, third = (Resident(served, council) for _ in range(3))
    try:
        await first.start()
        await first.start()  # a reload: the same journey
        await first.send()
        assert (await first.feedback("satisfied", COMMENT)).status_code == 303
        thanked = await first.client.get(f"/services/{SERVICE}/confirmation", headers=first.headers)
        assert "Thank you for your feedback" in thanked.text and 'name="rating"' not in thanked.text
        assert (await first.feedback("very-dissatisfied")).status_code == 303  # answered already: not again

        await second.start()
        back = await second.client.get(f"/services/{SERVICE}", headers=second.headers)
        assert "Start now" in back.text
        await second.start()  # back to the start page and "Start now" again: the same journey
        await second.send()
        assert (await second.feedback("very-dissatisfied")).status_code == 303

        await third.start()  # starts, and gives up
    finally:
        for resident in (first, second, third):
            await resident.close()

    # Stored: counts only. No cookie, address, session, time or reference anywhere.
    journeys = await _stored(database, council, "journey_counts")
    assert journeys == [{"day": today, "service": SERVICE, "started": 3, "sent": 2}]
    ratings = await _stored(database, council, "feedback_ratings")
    assert ratings == [
        {"day": today, "service": SERVICE, "rating": 1, "count": 1},
        {"day": today, "service": SERVICE, "rating": 4, "count": 1},
    ]
    # Only the answer with words keeps a row, for the council's staff: the day, not the time or request.
    assert await _stored(database, council, "service_feedback") == [
        {"id": 1, "day": today, "service": SERVICE, "rating": 4, "comment": COMMENT}
    ]

    # By hand: 3 calls at £2.83 and 2 web reports at £0.15 = £8.79 for 5 transactions = £1.758, so £1.76;
    # 2 of 5 online (0.4); 2 sent of 3 started (0.6667); 1 of 2 answers satisfied (0.5).
    period = {"from": f"{month}-01", "to": today.isoformat()}
    measures = (await http.get("/api/v1/savings/measures", params=period, headers=staff)).json()
    (line,) = measures["lines"]
    assert (line["month"], line["service"]) == (month, SERVICE)
    assert line["transactions"] == 5 and line["digital_transactions"] == 2
    assert line["total_cost"] == "8.79" and line["cost_per_transaction"] == "1.76"
    assert line["digital_take_up"] == "0.4000"
    assert (line["journeys_started"], line["requests_sent"], line["completion_rate"]) == (3, 2, "0.6667")
    assert (line["satisfied"], line["very_dissatisfied"], line["satisfaction_responses"]) == (1, 1, 2)
    assert line["user_satisfaction"] == "0.5000"
    assert measures["totals"]["cost_per_transaction"] == "1.76"

    report = await http.get("/api/v1/savings/report", params=period, headers=staff)
    assert report.json()["measures"]["lines"] == measures["lines"]
    rows = list(
        csv.DictReader(io.StringIO((await http.get("/api/v1/savings/report.csv", params=period, headers=staff)).text))
    )
    assert {row["channel"] for row in rows} == {"phone", "web"}
    for row in rows:
        assert row["service_month_cost_per_transaction"] == "1.76"
        assert row["service_month_digital_take_up"] == "0.4000"
        assert row["service_month_completion_rate"] == "0.6667"
        assert row["service_month_user_satisfaction"] == "0.5000"

    # The open data: council admins download it; it is public only once the council publishes it.
    assert (await http.get("/api/v1/savings/measures.csv", params=period, headers=staff)).status_code == 403
    download = await http.get("/api/v1/savings/measures.csv", params=period, headers={**staff, **ADMIN})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    (open_row,) = csv.DictReader(io.StringIO(download.text))
    assert open_row["cost_per_transaction"] == "1.76" and open_row["completion_rate"] == "0.6667"
    public = f"/open-data/service-measures.csv?from={month}-01&to={today.isoformat()}"
    assert (await anonymous.get(public, headers=staff)).status_code == 404
    published = await http.put("/api/v1/savings/open-data", json={"publish": True}, headers={**staff, **ADMIN})
    assert published.json() == {
        "dataset": "service-measures",
        "published": True,
        "public_url": "/open-data/service-measures.csv",
    }
    opened = await anonymous.get(public, headers=staff)
    assert opened.status_code == 200 and opened.text == download.text

    # What residents wrote is for the council's staff only: never in a report or open data.
    for text_out in (
        report.text,
        download.text,
        opened.text,
        (await http.get("/api/v1/savings/measures", headers=staff)).text,
    ):
        assert "map was hard" not in text_out
    officer = {**staff, **await officer_cookies(http, dev_identity, council)}
    comments = await http.get("/staff/savings/feedback", params=period, headers=officer)
    assert comments.status_code == 200 and COMMENT in comments.text and "Satisfied" in comments.text

    dashboard = await http.get("/staff/savings", params=period, headers=officer)
    assert dashboard.status_code == 200
    page = dashboard.text
    assert "map was hard" not in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main and "style=" not in main
    assert page.count('<svg class="chart"') == 7  # the three savings charts and one per measure
    for chart in ("cost-per-transaction", "digital-take-up", "completion-rate", "user-satisfaction"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
    assert "£1.76" in page and "40.0%" in page and "66.7%" in page and "50.0%" in page
    assert "/open-data/service-measures.csv" in page  # published, so the page links to it


async def test_the_feedback_question_says_what_is_wrong_and_keeps_nothing_until_it_is_right(
    database: Database, served: ServedPlatform, live_council: LiveCouncilFactory
) -> None:
    council = await live_council(modules={"highways": {"enabled": True}})
    resident, someone_else = Resident(served, council), Resident(served, council)
    try:
        await resident.start()
        await resident.send()
        unanswered = await resident.feedback("", "Quick")
        assert unanswered.status_code == 400
        assert "There is a problem" in unanswered.text
        assert '<a href="#rating">Select how you felt about the service</a>' in unanswered.text
        assert "Quick</textarea>" in unanswered.text  # what they wrote is kept on the page
        too_long = await resident.feedback("neither", "x" * 1201)
        assert too_long.status_code == 400
        assert "Your feedback must be 1,200 characters or fewer" in too_long.text
        assert 'value="neither" checked' in too_long.text and "Select how you felt" not in too_long.text
        assert await _stored(database, council, "feedback_ratings") == []

        # Only the browser that sent the request answers for it.
        await someone_else.start()
        someone_else.reference = resident.reference
        assert (await someone_else.feedback("very-satisfied")).status_code == 404
        assert await _stored(database, council, "feedback_ratings") == []

        assert (await resident.feedback("neither", "x" * 1200)).status_code == 303
        (row,) = await _stored(database, council, "service_feedback")
        assert row["rating"] == 3 and len(str(row["comment"])) == 1200
        assert [row["count"] for row in await _stored(database, council, "feedback_ratings")] == [1]
    finally:
        await resident.close()
        await someone_else.close()


async def test_what_residents_wrote_is_forgotten_after_its_keeping_time_and_their_ratings_still_count(
    database: Database, settings: Settings, served: ServedPlatform, live_council: LiveCouncilFactory
) -> None:
    council = await live_council(modules={"highways": {"enabled": True}})
    residents = [Resident(served, council), Resident(served, council)]
    try:
        for resident, words in zip(residents, ("Old words", "Recent words"), strict=True):
            await resident.start()
            await resident.send()
            assert (await resident.feedback("satisfied", words)).status_code == 303
    finally:
        for resident in residents:
            await resident.close()
    keep = settings.feedback_comments_keep_days
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                f'UPDATE "{council.schema}".service_feedback SET day = day - CAST(:days AS integer)'
                " WHERE comment = 'Old words'"
            ),
            {"days": keep + 1},
        )

    tidied = await tidy_every_council(build_services(settings, database))

    assert tidied[council.slug].feedback_comments == 1
    assert [row["comment"] for row in await _stored(database, council, "service_feedback")] == ["Recent words"]
    assert sum(int(str(row["count"])) for row in await _stored(database, council, "feedback_ratings")) == 2


def _line(month: str, service: str, channel: Channel, volume: int, cost: str) -> ReportLine:
    digital = volume if channel in (Channel.WEB, Channel.APP) else 0
    figures = Figures.of(volume, digital, volume, digital, Decimal(cost), Decimal(cost))
    return ReportLine(month=month, service=service, channel=channel, figures=figures)


def test_measures_add_up_from_counts_and_say_nothing_when_there_is_nothing_to_divide() -> None:
    period = ReportPeriod(start=date(2026, 1, 1), end=date(2026, 2, 28))
    measures = build_measures(
        council="test",
        period=period,
        report_lines=[
            # January, missed bins: 1 call (£2.83) and 1 web report (£0.15) = £2.98 / 2 = £1.49.
            _line("2026-01", "missed-bin", Channel.PHONE, 1, "2.83"),
            _line("2026-01", "missed-bin", Channel.WEB, 1, "0.15"),
            # January, potholes: 2 web reports (£0.30) and 1 app report (£0.15) = £0.45 / 3 = £0.15.
            _line("2026-01", "report-pothole", Channel.WEB, 2, "0.30"),
            _line("2026-01", "report-pothole", Channel.APP, 1, "0.15"),
            # February, missed bins: 1 web report at a penny and 1 letter at 4p: 5p / 2 = 2.5p, half up 3p.
            _line("2026-02", "missed-bin", Channel.WEB, 1, "0.01"),
            _line("2026-02", "missed-bin", Channel.LETTER, 1, "0.04"),
        ],
        journeys={
            ("2026-01", "missed-bin"): JourneyCount(started=3, sent=1),
            ("2026-02", "report-pothole"): JourneyCount(4, 0),
        },
        ratings={("2026-01", "missed-bin"): Counter({Rating.VERY_SATISFIED: 1, Rating.NEITHER: 2})},
    )
    bins_january = measures.line("2026-01", "missed-bin")
    assert bins_january is not None
    assert bins_january.cost_per_transaction == Decimal("1.49")
    assert bins_january.digital_take_up == Decimal("0.5000")
    assert bins_january.completion_rate == Decimal("0.3333")
    assert bins_january.user_satisfaction == Decimal("0.3333")
    potholes_january = measures.line("2026-01", "report-pothole")
    assert potholes_january is not None and potholes_january.cost_per_transaction == Decimal("0.15")
    assert potholes_january.digital_take_up == Decimal("1.0000")
    assert potholes_january.completion_rate is None and potholes_january.user_satisfaction is None
    bins_february = measures.line("2026-02", "missed-bin")
    assert bins_february is not None and bins_february.cost_per_transaction == Decimal("0.03")
    # Started but nothing sent and no transactions: a completion rate of 0, and no cost to divide.
    potholes_february = measures.line("2026-02", "report-pothole")
    assert potholes_february is not None and potholes_february.completion_rate == Decimal("0.0000")
    assert potholes_february.cost_per_transaction is None and potholes_february.digital_take_up is None
    # January, all services: £3.43 for 5 transactions = £0.686, so £0.69; 4 of 5 online.
    january, february = measures.by_month
    assert (january.month, january.cost_per_transaction, january.digital_take_up) == (
        "2026-01",
        Decimal("0.69"),
        Decimal("0.8000"),
    )
    assert (february.transactions, february.journeys_started, february.requests_sent) == (2, 4, 0)
    # The period: £3.48 for 7 transactions = £0.4971..., £0.50; 1 sent of 7 started; 1 of 3 satisfied.
    totals = measures.totals
    assert (totals.total_cost, totals.cost_per_transaction) == (Decimal("3.48"), Decimal("0.50"))
    assert (totals.completion_rate, totals.user_satisfaction) == (Decimal("0.1429"), Decimal("0.3333"))
    assert [line.service for line in measures.by_service] == ["missed-bin", "report-pothole"]


async def test_one_councils_journeys_comments_and_open_data_never_show_at_another(
    served: ServedPlatform,
    http: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    live_council: LiveCouncilFactory,
    dev_identity: DevIdentity,
) -> None:
    mine = await live_council(modules={"highways": {"enabled": True}})
    theirs = await live_council(modules={"highways": {"enabled": True}})
    resident = Resident(served, mine)
    try:
        await resident.start()
        await resident.send()
        assert (await resident.feedback("very-satisfied", COMMENT)).status_code == 303
    finally:
        await resident.close()
    published = await http.put(
        "/api/v1/savings/open-data", json={"publish": True}, headers={**host_for(mine.slug), **ADMIN}
    )
    assert published.status_code == 200

    at_theirs = host_for(theirs.slug)
    assert (await anonymous.get("/open-data/service-measures.csv", headers=at_theirs)).status_code == 404
    assert (await anonymous.get("/open-data/service-measures.csv", headers=host_for(mine.slug))).status_code == 200
    measures = (await http.get("/api/v1/savings/measures", headers=at_theirs)).json()
    assert measures["lines"] == [] and measures["totals"]["journeys_started"] == 0
    officer = {**at_theirs, **await officer_cookies(http, dev_identity, theirs)}
    comments = await http.get("/staff/savings/feedback", headers=officer)
    assert comments.status_code == 200 and COMMENT not in comments.text
    # Only a council admin may publish: staff are refused, and nothing changes.
    refused = await http.put("/api/v1/savings/open-data", json={"publish": True}, headers=at_theirs)
    assert refused.status_code == 403
    assert (await anonymous.get("/open-data/service-measures.csv", headers=at_theirs)).status_code == 404
