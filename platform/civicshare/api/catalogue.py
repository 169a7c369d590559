"""Resident API: the services a council offers, and one service's definition at that council."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Struct

from civicshare.catalogue.descriptions import StepDescription, describe_fee, describe_step
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.http.problems import Problem
from civicshare.policy import PUBLIC
from civicshare.tenancy.context import TenantContext


class Fee(Struct):
    kind: str
    amount_pence: int | None


class ServiceSummary(Struct):
    code: str
    title: str
    summary: str
    module: str
    fee: Fee
    online_only: bool
    sla_working_days: int | None
    href: str


class Category(Struct):
    name: str
    services: list[ServiceSummary]


class ServiceList(Struct):
    council: str
    categories: list[Category]


class Status(Struct):
    code: str
    label: str


class AttachmentRules(Struct):
    allowed_types: list[str]
    max_bytes: int
    max_count: int
    required: bool


class ServiceDefinitionOut(Struct):
    council: str
    code: str
    title: str
    category: str
    summary: str
    module: str
    fee: Fee
    sla_working_days: int | None
    online_only: bool
    location_required: bool
    attachments: AttachmentRules | None
    steps: list[StepDescription]  # the description is the wire format: it has only plain fields
    statuses: list[Status]
    settings: dict[str, Any]
    submit_href: str


def not_offered(code: str, tenant: TenantContext) -> Problem:
    return Problem(
        404,
        "Service not found",
        f"{tenant.name} does not offer a service called {code!r} on this platform.",
        name="service-not-found",
    )


def _fee(offering: Offering) -> Fee:
    described = describe_fee(offering)
    return Fee(described.kind, described.amount_pence)


def _summary(offering: Offering) -> ServiceSummary:
    return ServiceSummary(
        code=offering.code,
        title=offering.title,
        summary=offering.service.summary,
        module=offering.module.code,
        fee=_fee(offering),
        online_only=offering.service.online_only,
        sla_working_days=offering.sla_working_days,
        href=f"/api/v1/services/{offering.code}",
    )


@get("/api/v1/services", tags=["services"], opt=PUBLIC)
async def list_services(
    tenant: NamedDependency[TenantContext], offerings: NamedDependency[CouncilOfferings]
) -> ServiceList:
    """The services this council offers, grouped by category."""
    return ServiceList(
        council=tenant.slug,
        categories=[Category(name, [_summary(o) for o in group]) for name, group in offerings.by_category()],
    )


@get("/api/v1/services/{code:str}", tags=["services"], opt=PUBLIC)
async def service_definition(
    code: FromPath[str], tenant: NamedDependency[TenantContext], offerings: NamedDependency[CouncilOfferings]
) -> ServiceDefinitionOut:
    """One service as this council runs it: its steps and questions, fee, response time and statuses."""
    offering = offerings.offering(code)
    if offering is None:
        raise not_offered(code, tenant)
    service = offering.service
    policy = service.attachments
    return ServiceDefinitionOut(
        council=tenant.slug,
        code=service.code,
        title=service.title,
        category=offering.category,
        summary=service.summary,
        module=offering.module.code,
        fee=_fee(offering),
        sla_working_days=offering.sla_working_days,
        online_only=service.online_only,
        location_required=service.location_required,
        attachments=AttachmentRules(sorted(policy.allowed_types), policy.max_bytes, policy.max_count, policy.required)
        if policy
        else None,
        steps=[describe_step(step, offering.settings) for step in service.steps],
        statuses=[Status(status, offering.status_label(status)) for status in service.workflow.states],
        settings=offering.settings.model_dump(mode="json"),
        submit_href=f"/api/v1/services/{service.code}/transactions",
    )
