"""A council's privacy notice, built from what its services' modules declare and the council's retention
periods: for each service, what it collects, why, on what basis, who sees it and for how long."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from civicshare.modules import LocationForm, ServiceDefinition
from civicshare.modules.answers import answer_spec
from civicshare.privacy.rules import RetentionRules


@dataclass(frozen=True)
class ServiceNotice:
    service: str
    title: str
    collects: list[str]
    purpose: str
    lawful_basis: str
    shared_with: str
    months: int
    has_fee: bool


def _collects(service: ServiceDefinition[Any], personal: frozenset[str]) -> list[str]:
    collected = ["your email address, if you give one, and your account if you are signed in"]
    for step in service.steps:
        if issubclass(step.form, LocationForm):
            collected.append("where the problem is (a map pin or your description of the place)")
        for name, field in step.form.model_fields.items():
            spec = answer_spec(field)
            if name in personal and spec is not None:
                label = spec.label.removesuffix(" (optional)")
                if issubclass(step.form, LocationForm) and name == "location_description":
                    continue
                collected.append(f"your answer to “{label}”")
    if service.attachments is not None:
        collected.append("photos you add")
    return collected


def service_notices(services: Iterable[ServiceDefinition[Any]], rules: RetentionRules) -> list[ServiceNotice]:
    notices = []
    for service in services:
        rule = rules.for_service(service.code)
        declared = service.personal_data
        notices.append(
            ServiceNotice(
                service=service.code,
                title=service.title,
                collects=_collects(service, rule.personal_answers or frozenset()),
                purpose=declared.purpose,
                lawful_basis=declared.lawful_basis,
                shared_with=declared.shared_with,
                months=rule.months,
                has_fee=service.fee is not None,
            )
        )
    return notices
