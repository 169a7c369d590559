"""Council settings: module defaults, then the shared-service group, then the council's own."""

from __future__ import annotations

from typing import Any

import pytest

from civicshare.modules import ServiceModule, SettingsInvalid, resolve_settings, settings_problems


def test_a_council_without_settings_gets_the_module_defaults(
    graffiti: ServiceModule[Any],
) -> None:
    settings = resolve_settings(graffiti)

    assert settings.removal_fee_pence == 4000
    assert settings.services_offered is None


def test_a_shared_service_group_sets_a_fee_for_all_its_councils(
    graffiti: ServiceModule[Any],
) -> None:
    east_london = {"removal_fee_pence": 6500}

    havering = resolve_settings(graffiti, group=east_london)
    newham = resolve_settings(graffiti, group=east_london, council={"removal_sla_working_days": 3})

    assert havering.removal_fee_pence == newham.removal_fee_pence == 6500
    assert newham.removal_sla_working_days == 3
    assert havering.removal_sla_working_days == 5


def test_a_member_council_overrides_its_group(graffiti: ServiceModule[Any]) -> None:
    settings = resolve_settings(graffiti, group={"removal_fee_pence": 6500}, council={"removal_fee_pence": 5000})

    assert settings.removal_fee_pence == 5000


def test_nested_wording_is_merged_key_by_key(graffiti: ServiceModule[Any]) -> None:
    settings = resolve_settings(
        graffiti,
        group={"wording": {"outro": "Thank you for keeping our streets clean"}},
        council={"state_labels": {"resolved": "Cleaned"}},
    )

    assert settings.wording == {
        "intro": "Tell us about graffiti",
        "outro": "Thank you for keeping our streets clean",
    }
    assert settings.state_labels == {"resolved": "Cleaned"}


def test_a_list_from_the_council_replaces_the_groups_list(graffiti: ServiceModule[Any]) -> None:
    settings = resolve_settings(
        graffiti,
        group={"surfaces": [{"value": "wall", "label": "Wall"}, {"value": "bridge", "label": "Bridge"}]},
        council={"surfaces": [{"value": "bridge", "label": "Railway bridge"}]},
    )

    assert [surface.label for surface in settings.surfaces] == ["Railway bridge"]


def test_every_problem_in_a_councils_settings_is_listed_with_its_path(
    graffiti: ServiceModule[Any],
) -> None:
    problems = settings_problems(
        graffiti,
        council={
            "removal_fee_pence": "a lot",
            "removel_sla_working_days": 3,
            "surfaces": [{"value": "wall"}],
        },
    )

    paths = {problem.path for problem in problems}
    assert paths == {"removal_fee_pence", "removel_sla_working_days", "surfaces.0.label"}


def test_relabelling_a_status_that_does_not_exist_is_refused(
    graffiti: ServiceModule[Any],
) -> None:
    with pytest.raises(SettingsInvalid) as refused:
        resolve_settings(graffiti, council={"state_labels": {"fixed": "Sorted"}})

    assert [(p.path, p.message) for p in refused.value.problems] == [("state_labels.fixed", "No status called 'fixed'")]


def test_offering_a_service_the_module_does_not_have_is_refused(
    graffiti: ServiceModule[Any],
) -> None:
    problems = settings_problems(graffiti, council={"services_offered": ["report-graffiti", "report-litter"]})

    assert [problem.message for problem in problems] == ["No service called 'report-litter'"]


def test_a_council_can_run_only_some_of_a_modules_services(graffiti: ServiceModule[Any]) -> None:
    settings = resolve_settings(graffiti, council={"services_offered": []})

    assert graffiti.offered_services(settings) == []
    assert graffiti.offered_services(resolve_settings(graffiti)) == list(graffiti.services)
