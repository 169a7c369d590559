from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from civicshare.savings.channels import Channel
from civicshare.savings.costs import PLATFORM_DEFAULT_UNIT_COSTS, UnitCostOverride, UnitCostSchedule


def test_platform_defaults_are_socitm_figures_with_documented_assumptions() -> None:
    schedule = UnitCostSchedule()
    day = date(2024, 4, 1)

    assert schedule.cost(Channel.FACE_TO_FACE, "report-pothole", day) == Decimal("8.62")
    assert schedule.cost(Channel.PHONE, "report-pothole", day) == Decimal("2.83")
    assert schedule.cost(Channel.WEB, "report-pothole", day) == Decimal("0.15")
    # Assumptions, not Socitm: app as web, email as phone, webchat half of phone rounded up.
    assert schedule.cost(Channel.APP, "report-pothole", day) == Decimal("0.15")
    assert schedule.cost(Channel.EMAIL, "report-pothole", day) == Decimal("2.83")
    assert schedule.cost(Channel.WEBCHAT, "report-pothole", day) == Decimal("1.42")
    assert set(PLATFORM_DEFAULT_UNIT_COSTS) == set(Channel)


def test_the_most_specific_override_in_force_that_day_wins() -> None:
    schedule = UnitCostSchedule(
        overrides=(
            UnitCostOverride(channel=Channel.PHONE, unit_cost=Decimal("3.00"), effective_from=date(2024, 4, 1)),
            UnitCostOverride(
                channel=Channel.PHONE,
                unit_cost=Decimal("4.00"),
                effective_from=date(2024, 6, 1),
                service="report-missed-bin",
            ),
            UnitCostOverride(channel=Channel.PHONE, unit_cost=Decimal("3.50"), effective_from=date(2024, 9, 1)),
        )
    )

    # Before any override: the platform default.
    assert schedule.cost(Channel.PHONE, "report-pothole", date(2024, 3, 31)) == Decimal("2.83")
    # Council-wide from its first day.
    assert schedule.cost(Channel.PHONE, "report-pothole", date(2024, 4, 1)) == Decimal("3.00")
    # The report-missed-bin override is not in force yet, so the council-wide one applies.
    assert schedule.cost(Channel.PHONE, "report-missed-bin", date(2024, 5, 31)) == Decimal("3.00")
    assert schedule.cost(Channel.PHONE, "report-missed-bin", date(2024, 6, 1)) == Decimal("4.00")
    # A later council-wide change replaces the earlier council-wide one...
    assert schedule.cost(Channel.PHONE, "report-pothole", date(2024, 9, 1)) == Decimal("3.50")
    # ...but never a service-specific one, whatever the dates.
    assert schedule.cost(Channel.PHONE, "report-missed-bin", date(2024, 9, 1)) == Decimal("4.00")
    # Without a service: council-wide only.
    assert schedule.cost(Channel.PHONE, None, date(2024, 9, 1)) == Decimal("3.50")
    # Other channels are untouched.
    assert schedule.cost(Channel.WEB, "report-missed-bin", date(2024, 9, 1)) == Decimal("0.15")


def test_two_costs_starting_the_same_day_for_the_same_channel_and_service_are_refused() -> None:
    override = UnitCostOverride(channel=Channel.PHONE, unit_cost=Decimal("3.00"), effective_from=date(2024, 4, 1))

    with pytest.raises(ValidationError, match="start on 2024-04-01"):
        UnitCostSchedule(overrides=(override, override.model_copy(update={"unit_cost": Decimal("3.10")})))


def test_defaults_must_cover_every_channel_and_costs_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match=r"missing for: .*app"):
        UnitCostSchedule(defaults={channel: Decimal("1") for channel in Channel if channel is not Channel.APP})
    with pytest.raises(ValidationError):
        UnitCostOverride(channel=Channel.WEB, unit_cost=Decimal("-0.01"), effective_from=date(2024, 4, 1))


def test_a_copied_schedule_with_new_overrides_uses_the_new_costs() -> None:
    schedule = UnitCostSchedule()
    assert schedule.cost(Channel.PHONE, "report-missed-bin", date(2024, 4, 1)) == Decimal("2.83")

    raised = schedule.model_copy(
        update={
            "overrides": (
                UnitCostOverride(channel=Channel.PHONE, unit_cost=Decimal("3.00"), effective_from=date(2024, 4, 1)),
            )
        }
    )

    assert raised.cost(Channel.PHONE, "report-missed-bin", date(2024, 4, 1)) == Decimal("3.00")
    assert schedule.cost(Channel.PHONE, "report-missed-bin", date(2024, 4, 1)) == Decimal("2.83")


def test_a_schedule_reads_back_from_json() -> None:
    schedule = UnitCostSchedule(
        overrides=(
            UnitCostOverride(
                channel=Channel.FACE_TO_FACE,
                unit_cost=Decimal("16.00"),
                effective_from=date(2024, 4, 1),
                service="tell-us-you-are-moving",
            ),
        )
    )

    again = UnitCostSchedule.model_validate_json(schedule.model_dump_json())

    assert again == schedule
    assert again.cost(Channel.FACE_TO_FACE, "tell-us-you-are-moving", date(2024, 4, 2)) == Decimal("16.00")
