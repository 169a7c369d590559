"""The flow engine: check a resident's answers step by step, price them, and date the SLA.

Every function takes the service and the council's effective settings (see
`configuration.resolve_settings`); nothing here stores state or touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from civicshare.modules.answers import AnswerContext
from civicshare.modules.attachments import Attachment
from civicshare.modules.configuration import ModuleSettings, SettingsT
from civicshare.modules.contract import Answers, EligibilityRule, FormStep, Price, ServiceDefinition, Submission
from civicshare.modules.messages import field_errors
from civicshare.modules.working_days import due_date, uk_today


@dataclass(frozen=True)
class CheckedAnswers:
    """Answers that passed (`answers`) and GOV.UK messages for those that did not (`errors`)."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class FeeRuleBroken(RuntimeError):
    """A module's fee rule returned something other than whole pence."""


def check_step(
    step: FormStep, data: Mapping[str, Any], *, settings: ModuleSettings, today: date | None = None
) -> CheckedAnswers:
    """Validate the answers to one page of a form."""
    context = AnswerContext(settings=settings, today=today or uk_today())
    try:
        form = step.form.model_validate(data, context=context)
    except ValidationError as error:
        return CheckedAnswers(errors=field_errors(step.form, error))
    return CheckedAnswers(answers=form.model_dump())


def steps_to_ask(service: ServiceDefinition[Any], answers: Answers) -> list[FormStep]:
    """The steps that apply given the answers so far, in order."""
    asked: list[FormStep] = []
    earlier: dict[str, Any] = {}
    for step in service.steps:
        if step.applies(earlier):
            asked.append(step)
            earlier.update({name: answers[name] for name in step.form.model_fields if name in answers})
    return asked


def check_answers(
    service: ServiceDefinition[SettingsT],
    data: Mapping[str, Any],
    *,
    settings: SettingsT,
    today: date | None = None,
) -> CheckedAnswers:
    """Validate a whole submission: every step that applies, skipping the others and their answers."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for step in service.steps:
        if not step.applies(answers):
            continue
        checked = check_step(step, data, settings=settings, today=today)
        answers.update(checked.answers)
        errors.update(checked.errors)
    return CheckedAnswers(answers={} if errors else answers, errors=errors)


def check_attachments(service: ServiceDefinition[Any], files: Sequence[Attachment]) -> dict[str, str]:
    if service.attachments is None:
        return {"attachments": "You cannot upload files for this service"} if files else {}
    return service.attachments.problems(files)


def fee_for(service: ServiceDefinition[SettingsT], answers: Answers, settings: SettingsT) -> int | None:
    """What the resident pays, in pence; None for a free service."""
    if service.fee is None:
        return None
    pence = service.fee(answers, settings)
    if pence is not None and (isinstance(pence, bool) or not isinstance(pence, int) or pence < 0):
        raise FeeRuleBroken(f"fee for {service.code!r} must be whole pence, got {pence!r}")
    return pence


def start_price(service: ServiceDefinition[SettingsT], settings: SettingsT) -> Price | None:
    """The price a start page states, when the module knows it before any answers."""
    return None if service.price is None else service.price(settings)


def ineligible(
    service: ServiceDefinition[SettingsT], answers: Answers, settings: SettingsT
) -> EligibilityRule[SettingsT] | None:
    """The first eligibility rule these answers (so far) break, or None while the resident may go on."""
    for rule in service.eligibility:
        if rule.ineligible_when(answers, settings):
            return rule
    return None


def sla_working_days(service: ServiceDefinition[SettingsT], settings: SettingsT) -> int | None:
    if service.sla_working_days is not None:
        return service.sla_working_days(settings)
    return service.workflow.sla_working_days


def respond_by(service: ServiceDefinition[SettingsT], settings: SettingsT, submitted_at: datetime) -> date | None:
    """The date the council has promised to deal with a transaction by, if it promises one."""
    days = sla_working_days(service, settings)
    return None if days is None else due_date(submitted_at, days)


def status_label(service: ServiceDefinition[Any], status: str, settings: ModuleSettings) -> str:
    """The words this council uses for a status."""
    return service.workflow.label(status, settings.state_labels)


def on_submitted(
    service: ServiceDefinition[SettingsT], answers: Answers, settings: SettingsT, submission: Submission
) -> dict[str, Any]:
    """Data derived when a transaction is submitted (empty when the service derives nothing)."""
    if service.on_submitted is None:
        return {}
    return dict(service.on_submitted(answers, settings, submission))
