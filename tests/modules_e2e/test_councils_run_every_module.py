"""Three councils run every module through the resident API: two share a service, one stands alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from importlib.metadata import entry_points

import httpx
import pytest

from civicshare.modules import ENTRY_POINT_GROUP, ModuleRegistry
from civicshare.settings import Settings
from tests.modules_e2e.conftest import Councils, answers_for
from tests.support import ServedPlatform, host_for

EVERY_SERVICE = {
    "report-pothole",
    "report-streetlight",
    "report-fly-tipping",
    "report-missed-bin",
    "order-bin",
    "garden-waste-subscription",
    "resident-parking-permit",
    "pay-penalty-charge",
    "challenge-penalty-charge",
    "single-person-discount",
    "tell-us-you-are-moving",
    "pay-council-tax",
    "request-site-inspection",
}


async def offered(http: httpx.AsyncClient, slug: str) -> set[str]:
    response = await http.get("/api/v1/services", headers=host_for(slug))
    assert response.status_code == 200, response.text
    return {service["code"] for category in response.json()["categories"] for service in category["services"]}


async def submit(http: httpx.AsyncClient, slug: str, service: str, answers: dict[str, object]) -> httpx.Response:
    return await http.post(
        f"/api/v1/services/{service}/transactions",
        json={"answers": answers, "channel": "web", "contact_email": "ada@example.org"},
        headers={**host_for(slug), "Idempotency-Key": uuid.uuid4().hex},
    )


async def test_every_service_is_submitted_at_each_council_with_its_own_fees_and_references(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    references: dict[str, list[str]] = {}
    fees: dict[tuple[str, str], int | None] = {}
    for council in councils.all():
        assert await offered(http, council.slug) == EVERY_SERVICE
        references[council.slug] = []
        for service in sorted(EVERY_SERVICE):
            response = await submit(http, council.slug, service, answers_for(service, council))
            assert response.status_code == 201, (council.slug, service, response.text)
            body = response.json()
            references[council.slug].append(body["reference"])
            fees[(council.slug, service)] = body["fee_pence"]

    for council in councils.all():
        numbers = [int(reference.rsplit("-", 1)[1]) for reference in references[council.slug]]
        assert all(reference.startswith(council.reference_prefix + "-") for reference in references[council.slug])
        assert numbers == list(range(1, len(EVERY_SERVICE) + 1)), "each council counts its own references"

    member, overriding, outsider = (council.slug for council in councils.all())
    # Garden waste, two bins: the group's £45, Havering-style override £55, the outsider's own £60.
    assert [fees[(slug, "garden-waste-subscription")] for slug in (member, overriding, outsider)] == [
        9000,
        11000,
        12000,
    ]
    assert [fees[(slug, "resident-parking-permit")] for slug in (member, overriding, outsider)] == [9500, 9500, 12000]
    assert [fees[(slug, "pay-penalty-charge")] for slug in (member, overriding, outsider)] == [13000, 13000, 7000]
    assert [fees[(slug, "order-bin")] for slug in (member, overriding, outsider)] == [None, None, 2500]
    assert fees[(member, "report-pothole")] is None

    # Nobody sees another council's transactions, even with the right reference and email.
    for council in councils.all():
        for other in councils.all():
            reference = references[other.slug][0]
            response = await http.get(
                f"/api/v1/transactions/{reference}", params={"email": "ada@example.org"}, headers=host_for(council.slug)
            )
            assert response.status_code == (200 if council is other else 404), (council.slug, reference)


async def test_a_service_definition_shows_the_councils_own_choices_fees_and_words(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    member = (await http.get("/api/v1/services/resident-parking-permit", headers=host_for(councils.member.slug))).json()
    outsider = (
        await http.get("/api/v1/services/resident-parking-permit", headers=host_for(councils.outsider.slug))
    ).json()
    penalty = (await http.get("/api/v1/services/pay-penalty-charge", headers=host_for(councils.member.slug))).json()
    pothole = (await http.get("/api/v1/services/report-pothole", headers=host_for(councils.member.slug))).json()

    def zone_choices(definition: dict[str, object]) -> list[str]:
        steps = definition["steps"]
        assert isinstance(steps, list)
        questions = [question for step in steps for question in step["questions"]]
        zone = next(question for question in questions if question["name"] == "zone")
        assert zone["type"] == "choice" and zone["required"]
        return [choice["label"] for choice in zone["choices"]]

    assert zone_choices(member) == ["East London zone 1"]
    assert zone_choices(outsider) == ["Town centre"]
    # What a penalty costs depends on the notice: half price within 14 days of its issue.
    assert penalty["fee"] == {"kind": "depends_on_answers", "amount_pence": None}
    assert member["fee"]["kind"] == "depends_on_answers"
    assert pothole["sla_working_days"] == 5
    assert {"code": "resolved", "label": "Repaired"} in pothole["statuses"]
    size = next(q for q in pothole["steps"][1]["questions"] if q["name"] == "size")
    assert size["label"] == "How big is the pothole?" and size["hint"] and size["type"] == "choice"


async def test_a_submission_with_problems_lists_every_one_in_govuk_words(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    response = await http.post(
        "/api/v1/services/report-pothole/transactions",
        json={"answers": {"on": "road"}, "channel": "web"},
        headers=host_for(councils.member.slug),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "location_description", "message": "Choose a location on the map or describe where it is"},
        {"field": "size", "message": "Select how big the pothole is"},
        {"field": "contact_email", "message": "Enter your email address so you can track your request"},
    ]


async def test_answers_that_rule_a_resident_out_are_refused_through_the_api_too(
    http: httpx.AsyncClient, councils: Councils
) -> None:
    living_with_an_adult = {
        **answers_for("single-person-discount", councils.member),
        "other_adults": "yes",
        "other_adult_status": "none",
    }

    response = await submit(http, councils.member.slug, "single-person-discount", living_with_an_adult)

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "field": "eligibility",
            "message": "You cannot get a single person discount. A single person discount is only for a home where"
            " one adult lives. Adults who are full-time students, carers or severely mentally impaired are not"
            " counted, but you told us the other adult who lives with you is none of these.",
        }
    ]
    student = {**living_with_an_adult, "other_adult_status": "full_time_student"}
    assert (await submit(http, councils.member.slug, "single-person-discount", student)).status_code == 201


async def test_a_service_the_council_does_not_offer_is_a_404_problem(
    http: httpx.AsyncClient, councils: Councils, make_council: object
) -> None:
    response = await submit(http, councils.member.slug, "report-unicorn", {})

    assert response.status_code == 404
    assert response.json()["type"] == "urn:civicshare:problem:service-not-found"


def _without(module_code: str) -> Iterator[object]:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name != module_code:
            yield entry_point


@pytest.fixture
def served_without_waste(settings: Settings, database_url: str) -> Iterator[ServedPlatform]:
    registry = ModuleRegistry.discover(core_version="0.1.0", found=list(_without("waste")))  # type: ignore[arg-type]
    assert "waste" not in registry and "highways" in registry
    platform = ServedPlatform(settings, database_url, registry=registry)
    platform.start()
    yield platform
    platform.stop()


async def test_a_plugin_removed_from_the_environment_disappears_cleanly(
    http: httpx.AsyncClient, councils: Councils, served_without_waste: ServedPlatform
) -> None:
    slug = councils.member.slug
    earlier = await submit(http, slug, "report-missed-bin", answers_for("report-missed-bin", councils.member))
    assert earlier.status_code == 201

    async with httpx.AsyncClient(base_url=served_without_waste.url, timeout=30) as without:
        listed = await offered(without, slug)
        refused = await submit(without, slug, "report-missed-bin", answers_for("report-missed-bin", councils.member))
        definition = await without.get("/api/v1/services/garden-waste-subscription", headers=host_for(slug))
        tracked = await without.get(
            f"/api/v1/transactions/{earlier.json()['reference']}",
            params={"email": "ada@example.org"},
            headers=host_for(slug),
        )
        still_works = await submit(without, slug, "report-pothole", answers_for("report-pothole", councils.member))
        ready = await without.get("/readyz")

    assert listed == EVERY_SERVICE - {"report-missed-bin", "order-bin", "garden-waste-subscription"}
    assert refused.status_code == 404
    assert refused.json()["type"] == "urn:civicshare:problem:service-not-found"
    assert definition.status_code == 404
    assert tracked.status_code == 200, "a resident can still track what they sent before"
    assert still_works.status_code == 201
    assert "waste" not in ready.json()["modules"]
