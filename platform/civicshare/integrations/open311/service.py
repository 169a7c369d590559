"""GeoReport v2 in the council's terms: which services are offered, a request's answers, a request read back.

Mapping decisions (also in the README):
- A service is on Open311 when the council offers it and its module gives it an `open311` definition.
- POST parameters become the service's answers: `lat`/`long` -> `latitude`/`longitude`, `address_string`
  -> `location_description`, `description` -> the service's `details` question when it has one,
  `attribute[code]` -> the answer `code` (a declared attribute, or any other question the service asks,
  so a client can answer a question the module's definition forgot). `email` is the contact address
  (required here: it is how the resident tracks the request). `first_name`, `last_name`, `phone`,
  `media_url`, `address_id`, `device_id` and `account_id` are accepted and not stored: no service asks
  for them, and the platform keeps only what a service needs.
- A service request read back carries only GeoReport's public fields: never the email, the name or the
  answers (not even `description`, which is free text the resident did not write for publication), and
  the address or position only for services located at a public place (the platform's location step),
  not a home address such as a missed bin's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.openapi import PROBLEM_SCHEMA, ErrorFormat
from civicshare.catalogue.descriptions import describe_step
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.http.problems import PROBLEM_JSON
from civicshare.modules import ModuleRegistry, Open311Service, ServiceDefinition, UnknownService
from civicshare.modules.open311 import Datatype
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import transactions

UK_TIME = ZoneInfo("Europe/London")
MAX_IDS = 100
"""Most service request ids one GET /requests.json may ask for."""

# GeoReport parameter for each answer the platform's location step asks.
_STANDARD = {"latitude": "lat", "longitude": "long", "location_description": "address_string"}
_DETAILS = "details"


class Open311Error(Exception):
    """Answered as GeoReport's error list: one `{"code", "description"}` per problem."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": description} for description in self.descriptions]


GEOREPORT_ERRORS = ErrorFormat(
    {
        "GeoReportErrors": {
            "type": "array",
            "description": "GeoReport v2 errors: one entry per problem",
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            },
        },
        "Problem": PROBLEM_SCHEMA,
    },
    # Before a request reaches Open311 the council is resolved, and resolution answers problem+json.
    {"application/json": "GeoReportErrors", PROBLEM_JSON: "Problem"},
)
"""How Open311 answers errors, for the OpenAPI document."""


def check_jurisdiction(params: Mapping[str, Any], tenant: TenantContext) -> None:
    """`jurisdiction_id` is optional; when given it must be this council's slug."""
    given = params.get("jurisdiction_id")
    if given not in (None, "") and str(given).strip().lower() != tenant.slug:
        raise Open311Error(400, [f"jurisdiction_id {str(given)[:63]!r} is not this council; use {tenant.slug!r}"])


def open311_offerings(offerings: CouncilOfferings) -> list[Offering]:
    """The council's offered services that declare an Open311 definition, in the catalogue's order."""
    return [offering for offering in offerings if offering.service.open311 is not None]


def open311_offering(offerings: CouncilOfferings, service_code: str) -> tuple[Offering, Open311Service] | None:
    for offering in open311_offerings(offerings):
        definition = offering.service.open311
        if definition is not None and definition.service_code == service_code:
            return offering, definition
    return None


def collect_params(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form or query pairs as one mapping; `attribute[code][]` (a multivaluelist) gathers a list."""
    params: dict[str, Any] = {}
    for key, value in items:
        if key.endswith("[]"):
            existing = params.setdefault(key[:-2], [])
            if isinstance(existing, list):
                existing.append(value)
        else:
            params[key] = value
    return params


def params_from_json(body: Any) -> dict[str, Any]:
    """A JSON body: the same names as the form, and `attribute` may also be an object of code -> value."""
    if not isinstance(body, dict):
        raise Open311Error(400, ["The JSON body must be an object of GeoReport parameters"])
    params = {str(key): value for key, value in body.items() if key != "attribute"}
    attributes = body.get("attribute")
    if isinstance(attributes, dict):
        params.update({f"attribute[{code}]": value for code, value in attributes.items()})
    return params


def _questions(service: ServiceDefinition[Any]) -> set[str]:
    return {name for step in service.steps for name in step.form.model_fields}


@dataclass(frozen=True)
class ParsedRequest:
    answers: dict[str, Any]
    email: str | None
    names: dict[str, str]
    """Answer name -> the GeoReport parameter it came from, to word errors in the client's terms."""

    def errors(self, messages: Mapping[str, str]) -> list[str]:
        def parameter(field: str) -> str:
            if field == "contact_email":
                return "email"
            return self.names.get(field) or _STANDARD.get(field) or f"attribute[{field}]"

        return [f"{parameter(field)}: {message}" for field, message in messages.items()]


def parse_request(offering: Offering, params: Mapping[str, Any]) -> ParsedRequest:
    """A POST /requests.json's parameters as the service's answers."""
    questions = _questions(offering.service)
    answers: dict[str, Any] = {}
    names: dict[str, str] = {}
    for field, parameter in _STANDARD.items():
        value = params.get(parameter)
        if field in questions and value not in (None, ""):
            answers[field] = value
            names[field] = parameter
    description = params.get("description")
    if _DETAILS in questions and description not in (None, ""):
        answers[_DETAILS] = description
        names[_DETAILS] = "description"
    for key, value in params.items():
        if not (key.startswith("attribute[") and key.endswith("]")):
            continue
        code = key[len("attribute[") : -1]
        if code in questions and code not in _STANDARD and value not in (None, ""):
            answers[code] = value
            names[code] = f"attribute[{code}]"
    email = params.get("email")
    return ParsedRequest(answers, str(email).strip() if email else None, names)


@dataclass(frozen=True)
class ServiceRequest:
    """One request as GeoReport shows it: public fields only."""

    reference: str
    service: str
    status: str
    decision_reason: str | None
    created_at: datetime
    updated_at: datetime
    due_on: date | None
    address: str | None
    latitude: Decimal | None
    longitude: Decimal | None


def open311_service_codes(registry: ModuleRegistry) -> dict[str, tuple[ServiceDefinition[Any], Open311Service]]:
    """Every installed service with an Open311 definition, by the platform's service code.

    Read from the registry rather than the council's offerings, so a request stays trackable after the
    council switches its module off.
    """
    found: dict[str, tuple[ServiceDefinition[Any], Open311Service]] = {}
    for module in registry.modules:
        for service in module.services:
            if service.open311 is not None:
                found[service.code] = (service, service.open311)
    return found


async def find_service_requests(
    connection: AsyncConnection, ids: Sequence[str], service_codes: Iterable[str]
) -> list[ServiceRequest]:
    """The council's report-type requests with these references; personal columns are never selected."""
    references = [normalise_reference(text) for text in ids]
    query = (
        select(
            transactions.c.reference,
            transactions.c.service,
            transactions.c.status,
            # Only the text staff chose to show the resident; otherwise the decision has no notes.
            case((transactions.c.decision_public, transactions.c.decision_reason)).label("decision_reason"),
            transactions.c.created_at,
            transactions.c.updated_at,
            transactions.c.due_on,
            transactions.c.address,
            transactions.c.latitude,
            transactions.c.longitude,
        )
        .where(transactions.c.reference.in_(references), transactions.c.service.in_(list(service_codes)))
        .order_by(transactions.c.created_at, transactions.c.id)
    )
    return [ServiceRequest(**row) for row in (await connection.execute(query)).mappings()]


def expected_datetime(due_on: date | None) -> str | None:
    """The SLA's due date as the end of that day, UK time (GeoReport wants a datetime)."""
    if due_on is None:
        return None
    return datetime.combine(due_on, time(23, 59, 59), UK_TIME).isoformat()


def as_georeport(request: ServiceRequest, registry: ModuleRegistry) -> dict[str, Any]:
    """One entry of GET /requests.json: status open/closed from the workflow, notes = the decision reason."""
    try:
        _, service = registry.service(request.service)
    except UnknownService:
        service = None
    definition = service.open311 if service is not None else None
    closed = service is not None and request.status in service.workflow.closing
    # Where a street problem is, is public; a home address (a missed bin's) is personal, so it is not shown.
    public_place = service is not None and bool(_questions(service) & set(_STANDARD))
    return {
        "service_request_id": request.reference,
        "status": "closed" if closed else "open",
        "status_notes": request.decision_reason if closed else None,
        "service_name": definition.service_name if definition else request.service,
        "service_code": definition.service_code if definition else request.service,
        "requested_datetime": request.created_at.isoformat(),
        "updated_datetime": request.updated_at.isoformat(),
        "expected_datetime": expected_datetime(request.due_on),
        "address": (request.address or "") if public_place else "",
        "address_id": None,
        "zipcode": None,
        "lat": float(request.latitude) if public_place and request.latitude is not None else None,
        "long": float(request.longitude) if public_place and request.longitude is not None else None,
        "media_url": None,
    }


def service_notice(due_on: date | None) -> str:
    if due_on is None:
        return "We have your report."
    return f"We have your report and aim to deal with it by {due_on.day} {due_on:%B %Y}."


def requested_ids(raw: str | None) -> list[str]:
    """`service_request_id` of GET /requests.json: one id or several separated by commas."""
    ids = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not ids:
        raise Open311Error(400, ["service_request_id: give one or more service request ids, separated by commas"])
    if len(ids) > MAX_IDS:
        raise Open311Error(400, [f"service_request_id: ask for at most {MAX_IDS} service requests at a time"])
    return ids


_DATATYPES: dict[str, Datatype] = {
    "choice": "singlevaluelist",
    "boolean": "singlevaluelist",
    "number": "number",
    "date": "datetime",
    "datetime": "datetime",
    "text": "string",
}


def council_definition(offering: Offering, declared: Open311Service) -> dict[str, Any]:
    """GET /services/{code}.json at this council: the module's declared attributes, then every other
    question the service asks (worded, with the choices this council offers), so a client that sends
    every attribute it is shown can always file the request."""
    attributes = [attribute.as_georeport() for attribute in declared.attributes]
    shown = {attribute.code for attribute in declared.attributes} | set(_STANDARD) | {_DETAILS}
    order = max((attribute.order for attribute in declared.attributes), default=0)
    for step in offering.service.steps:
        for question in describe_step(step, offering.settings).questions:
            if question.name in shown:
                continue
            shown.add(question.name)
            order += 1
            entry: dict[str, Any] = {
                "variable": True,
                "code": question.name,
                "datatype": _DATATYPES.get(question.type, "string"),
                "required": question.required and not step.condition,
                "datatype_description": question.hint or "",
                "order": order,
                "description": question.label,
            }
            if question.type == "boolean":
                entry["values"] = [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]
            elif question.choices:
                entry["values"] = [{"key": choice.value, "name": choice.label} for choice in question.choices]
            attributes.append(entry)
    return {"service_code": declared.service_code, "attributes": attributes}
