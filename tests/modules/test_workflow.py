"""Moving a transaction through its statuses: staff can only do what the workflow allows."""

from __future__ import annotations

from typing import Any

import pytest

from civicshare.modules import (
    DecisionIncomplete,
    ServiceModule,
    TransitionNotAllowed,
    UnknownStatus,
    Workflow,
    application_workflow,
    report_workflow,
    resolve_settings,
    status_label,
)


def test_an_officer_can_start_work_on_a_new_report() -> None:
    change = report_workflow(sla_working_days=5).transition("submitted", "in_progress", actor="staff:amira")

    assert (change.from_status, change.to_status, change.closes) == ("submitted", "in_progress", False)


def test_a_closed_report_cannot_be_reopened_by_moving_it_back() -> None:
    workflow = report_workflow(sla_working_days=5)

    with pytest.raises(TransitionNotAllowed, match="'resolved' cannot move to 'in_progress'"):
        workflow.transition("resolved", "in_progress", actor="staff:amira")


def test_rejecting_a_report_without_a_reason_is_refused() -> None:
    workflow = report_workflow(sla_working_days=5)

    with pytest.raises(DecisionIncomplete, match="Give a reason for rejecting"):
        workflow.transition("submitted", "rejected", actor="staff:amira", reason="  ")


def test_closing_needs_to_say_who_decided() -> None:
    workflow = report_workflow(sla_working_days=5)

    with pytest.raises(DecisionIncomplete, match="Say who decided"):
        workflow.transition("in_progress", "resolved", actor="", reason="Pothole filled")


def test_a_rejection_with_who_and_why_is_recorded_as_a_rejection() -> None:
    change = report_workflow(sla_working_days=5).transition(
        "in_progress", "rejected", actor="staff:amira", reason="On private land: the owner has been told"
    )

    assert change.rejects
    assert change.closes
    assert change.reason == "On private land: the owner has been told"


def test_a_status_the_service_does_not_have_is_named_in_the_error() -> None:
    with pytest.raises(UnknownStatus, match="'approved' is not a status"):
        report_workflow(sla_working_days=5).transition("submitted", "approved", actor="staff:amira")


def test_a_paid_application_waits_for_payment_before_it_is_received() -> None:
    workflow = application_workflow(sla_working_days=5, paid=True)

    assert workflow.initial == "awaiting_payment"
    with pytest.raises(TransitionNotAllowed):
        workflow.transition("awaiting_payment", "approved", actor="staff:amira", reason="ok")


def test_a_workflow_that_lets_a_closed_case_continue_cannot_be_declared() -> None:
    with pytest.raises(ValueError, match="closing status 'done' cannot lead anywhere"):
        Workflow(
            states=("open", "done"),
            initial="open",
            transitions={"open": frozenset({"done"}), "done": frozenset({"open"})},
            closing=frozenset({"done"}),
        )


def test_a_council_relabels_statuses_for_its_residents(graffiti: ServiceModule[Any]) -> None:
    service = graffiti.services[0]
    kingston = resolve_settings(graffiti, council={"state_labels": {"resolved": "Cleaned"}})
    sutton = resolve_settings(graffiti)

    assert status_label(service, "resolved", kingston) == "Cleaned"
    assert status_label(service, "resolved", sutton) == "Fixed"
    assert status_label(service, "submitted", kingston) == "Received"
