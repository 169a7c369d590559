"""GeoReport v2 in the council's terms: which services are offered, a request's answers, requests read back.

Mapping decisions (also in the README):
- A service is on Open311 when the council offers it and its module gives it an `open311` definition.
- POST parameters become the service's answers: `lat`/`long` -> `latitude`/`longitude`, `address_string`
  -> `location_description`, `description` -> the service's `details` question when it has one (cut to
  fit; the whole text, up to 4,000 characters, is in the staff note), `attribute[code]` -> the answer
  `code`, `attribute[code][]` -> a list. A required choice the client left out is taken from the
  description when it names exactly one of the choices, else from the service's Open311 `defaults`.
- A place outside the council's area (`lat`/`long`, a postcode in `address_string`, an address attribute's
  postcode) is refused (400), naming the council on the platform whose area holds it (its jurisdiction_id).
- `email` is optional: the client tracks the request by its id. `first_name`, `last_name`, `phone`,
  `media_url`, `address_id` and `device_id` are kept in an internal note staff read with the request.
- A service request read back carries only GeoReport's public fields: never the email, the name, the
  phone, the photos or the answers (`description` is always empty: it is free text the resident did not
  write for publication), and the address or position only for services located at a public place (the
  platform's location step), not a home address such as a missed bin's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, get_args, get_origin
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.openapi import PROBLEM_SCHEMA, ErrorFormat
from civicshare.catalogue.descriptions import QuestionDescription, describe_step
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.modules import ModuleRegistry, Open311Service, ServiceDefinition, UnknownService
from civicshare.modules.open311 import Datatype
from civicshare.places.responsibility import OutsideArea
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import transactions

UK_TIME = ZoneInfo("Europe/London")
MAX_IDS = 100
"""Most service request ids one GET requests may ask for."""
MOST_LISTED = 1000
"""Most service requests one GET requests answers (the specification's limit)."""
LONGEST_WINDOW = timedelta(days=90)
"""The widest start_date..end_date a GET may ask for, and the window without dates (the specification's)."""
DESCRIPTION_MOST = 4000
DETAILS_MOST = 1000  # what the `details` question of the platform's report services holds

# GeoReport parameter for each answer the platform's location step asks.
_STANDARD = {"latitude": "lat", "longitude": "long", "location_description": "address_string"}
_DETAILS = "details"


class Open311Error(Exception):
    """Answered as GeoReport's errors: one `{code, description}` per problem."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)


GEOREPORT_ERRORS = ErrorFormat(
    {
        "GeoReportErrors": {
            "type": "array",
            "description": "GeoReport v2 errors: one entry per problem (in XML: <errors><error>…)",
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            },
        },
        "Problem": PROBLEM_SCHEMA,
    },
    {"application/json": "GeoReportErrors", "text/xml": "GeoReportErrors"},
    success_media_types=("text/xml", "application/json"),
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
    """Form or query pairs as one mapping; `attribute[code][]` (a multivaluelist) and a repeated
    `media_url` gather a list."""
    params: dict[str, Any] = {}
    for key, value in items:
        if key.endswith("[]"):
            existing = params.setdefault(key[:-2], [])
            if isinstance(existing, list):
                existing.append(value)
        elif key == "media_url" and key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
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


def _described(offering: Offering) -> list[tuple[QuestionDescription, bool, bool]]:
    """Every question the service asks at this council: (question, asked always, answer is a list)."""
    found = []
    for step in offering.service.steps:
        for question in describe_step(step, offering.settings).questions:
            annotation = step.form.model_fields[question.name].annotation
            is_list = get_origin(annotation) is list or any(get_origin(arg) is list for arg in get_args(annotation))
            found.append((question, step.condition is None, is_list))
    return found


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value).strip() if value is not None else ""


@dataclass(frozen=True)
class ClientDetails:
    """What a client sends that no question asks: kept for staff in an internal note, never shown publicly."""

    description: str
    first_name: str
    last_name: str
    phone: str
    media_urls: tuple[str, ...]
    address_id: str
    device_id: str
    assumed: Mapping[str, str] = field(default_factory=dict)
    """Answers the client did not give: question -> the value used and where it came from."""

    def staff_note(self, client: str) -> str:
        lines = [f"Reported through {client} (Open311)."]
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        for label, value in (("Name", name), ("Phone", self.phone), ("Address id", self.address_id)):
            if value:
                lines.append(f"{label}: {value}")
        if self.device_id:
            lines.append(f"Device: {self.device_id}")
        lines.extend(f"Photo: {url}" for url in self.media_urls)
        lines.extend(f"Assumed answer: {code} = {how}" for code, how in self.assumed.items())
        if self.description:
            lines.extend(("Description:", self.description))
        return "\n".join(lines)


@dataclass(frozen=True)
class ParsedRequest:
    answers: dict[str, Any]
    email: str | None
    names: dict[str, str]
    """Answer name -> the GeoReport parameter it came from, to word errors in the client's terms."""
    details: ClientDetails

    def errors(self, messages: Mapping[str, str]) -> list[str]:
        def parameter(answer: str) -> str:
            if answer == "contact_email":
                return "email"
            return self.names.get(answer) or _STANDARD.get(answer) or f"attribute[{answer}]"

        return [f"{parameter(answer)}: {message}" for answer, message in messages.items()]


def _named_choice(question: QuestionDescription, description: str) -> str | None:
    """The one choice of `question` the description names (its key or its words), if exactly one."""
    words = description.lower()
    named = {
        choice.value
        for choice in question.choices or []
        if re.search(rf"\b{re.escape(choice.value.replace('_', ' ').lower())}\b", words)
        or choice.label.lower() in words
    }
    return named.pop() if len(named) == 1 else None


def parse_request(offering: Offering, declared: Open311Service, params: Mapping[str, Any]) -> ParsedRequest:
    """A POST requests' parameters as the service's answers, and what is kept for staff."""
    questions = _questions(offering.service)
    answers: dict[str, Any] = {}
    names: dict[str, str] = {}
    for answer, parameter in _STANDARD.items():
        value = params.get(parameter)
        if answer in questions and value not in (None, ""):
            answers[answer] = value
            names[answer] = parameter
    description = _text(params.get("description"))
    if len(description) > DESCRIPTION_MOST:
        raise Open311Error(400, [f"description: write {DESCRIPTION_MOST:,} characters or fewer"])
    if _DETAILS in questions and description:
        answers[_DETAILS] = description if len(description) <= DETAILS_MOST else description[: DETAILS_MOST - 1] + "…"
        names[_DETAILS] = "description"
    for key, value in params.items():
        if not (key.startswith("attribute[") and key.endswith("]")):
            continue
        code = key[len("attribute[") : -1]
        if code in questions and code not in _STANDARD and value not in (None, "", []):
            answers[code] = value
            names[code] = f"attribute[{code}]"
    assumed: dict[str, str] = {}
    for question, always, _ in _described(offering):
        if question.name in answers or not (question.required and always and question.choices):
            continue
        named = _named_choice(question, description)
        default = declared.defaults.get(question.name)
        if named is not None:
            answers[question.name] = named
            assumed[question.name] = f"{named} (from the description)"
        elif default is not None and default in {choice.value for choice in question.choices or []}:
            answers[question.name] = default
            assumed[question.name] = f"{default} (the service's default for Open311; the client sent none)"
    media = params.get("media_url")
    details = ClientDetails(
        description=description,
        first_name=_text(params.get("first_name"))[:100],
        last_name=_text(params.get("last_name"))[:100],
        phone=_text(params.get("phone"))[:40],
        media_urls=tuple(str(url)[:2000] for url in (media if isinstance(media, list) else [media]) if url),
        address_id=_text(params.get("address_id"))[:100],
        device_id=_text(params.get("device_id") or params.get("deviceid"))[:100],
        assumed=assumed,
    )
    email = _text(params.get("email"))
    return ParsedRequest(answers, email or None, names, details)


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


_PUBLIC_COLUMNS = (
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


async def find_service_requests(
    connection: AsyncConnection, ids: Sequence[str], service_codes: Iterable[str]
) -> list[ServiceRequest]:
    """The council's Open311 requests with these references; personal columns are never selected."""
    references = [normalise_reference(text) for text in ids]
    query = (
        select(*_PUBLIC_COLUMNS)
        .where(transactions.c.reference.in_(references), transactions.c.service.in_(list(service_codes)))
        .order_by(transactions.c.created_at, transactions.c.id)
    )
    return [ServiceRequest(**row) for row in (await connection.execute(query)).mappings()]


@dataclass(frozen=True)
class RequestQuery:
    """GET requests without ids: the specification's filters."""

    services: tuple[str, ...]  # the platform's service codes
    start: datetime
    end: datetime
    statuses: frozenset[str]  # "open", "closed"


async def list_service_requests(connection: AsyncConnection, query: RequestQuery) -> list[ServiceRequest]:
    """Requests made between `start` and `end`, newest first, at most MOST_LISTED."""
    statement = select(*_PUBLIC_COLUMNS).where(
        transactions.c.service.in_(query.services),
        transactions.c.created_at >= query.start,
        transactions.c.created_at <= query.end,
    )
    if query.statuses == {"open"}:
        statement = statement.where(transactions.c.closed_at.is_(None))
    elif query.statuses == {"closed"}:
        statement = statement.where(transactions.c.closed_at.is_not(None))
    statement = statement.order_by(transactions.c.created_at.desc(), transactions.c.id.desc()).limit(MOST_LISTED)
    return [ServiceRequest(**row) for row in (await connection.execute(statement)).mappings()]


_SPACE_FOR_PLUS = re.compile(r" (\d\d:?\d\d)$")


def parse_datetime(name: str, raw: Any) -> datetime:
    """A W3C (ISO 8601) date and time such as 2026-01-31T09:00:00Z or 2026-01-31T09:00:00+01:00; without
    an offset, UK time. A `+` a client forgot to encode in the query (read as a space) is taken as `+`."""
    text = _SPACE_FOR_PLUS.sub(r"+\1", str(raw).strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, [f"{name}: give a date and time in W3C format, like 2026-01-31T09:00:00Z or 2026-01-31"]
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UK_TIME)


def date_window(params: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """`start_date`..`end_date`, at most 90 days apart; one alone reaches 90 days from it; neither: the
    last 90 days."""
    start = parse_datetime("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_datetime("end_date", params["end_date"]) if params.get("end_date") else None
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, ["end_date: must not be before start_date"])
        if end - start > LONGEST_WINDOW:
            raise Open311Error(400, ["start_date and end_date: may be at most 90 days apart"])
        return start, end
    if start is not None:
        return start, start + LONGEST_WINDOW
    if end is not None:
        return end - LONGEST_WINDOW, end
    return now - LONGEST_WINDOW, now


def requested_statuses(raw: Any) -> frozenset[str]:
    """`status`: open, closed, or both separated by a comma; without it, both."""
    given = {part.strip().lower() for part in str(raw or "").split(",") if part.strip()}
    if given - {"open", "closed"}:
        raise Open311Error(400, ["status: give open, closed, or open,closed"])
    return frozenset(given or {"open", "closed"})


def expected_datetime(due_on: date | None) -> str | None:
    """The SLA's due date as the end of that day, UK time (GeoReport wants a datetime)."""
    if due_on is None:
        return None
    return datetime.combine(due_on, time(23, 59, 59), UK_TIME).isoformat()


def w3c(moment: datetime) -> str:
    """A W3C date and time to the second, with its offset."""
    return moment.replace(microsecond=0).isoformat()


def is_public_place(service: ServiceDefinition[Any]) -> bool:
    """Where a street problem is, is public; a home address (a missed bin's) is personal, so it is not shown:
    a service's requests show their place only when it asks the platform's location questions."""
    return bool(_questions(service) & set(_STANDARD))


def as_georeport(request: ServiceRequest, registry: ModuleRegistry, agency: str) -> dict[str, Any]:
    """One request of GET requests, in the specification's order: status open/closed from the workflow,
    status_notes = the decision's reason (see `updates.public_reason`)."""
    try:
        _, service = registry.service(request.service)
    except UnknownService:
        service = None
    definition = service.open311 if service is not None else None
    closed = service is not None and request.status in service.workflow.closing
    public_place = service is not None and is_public_place(service)
    return {
        "service_request_id": request.reference,
        "status": "closed" if closed else "open",
        "status_notes": request.decision_reason if closed else None,
        "service_name": definition.service_name if definition else request.service,
        "service_code": definition.service_code if definition else request.service,
        "description": None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3c(request.created_at),
        "updated_datetime": w3c(request.updated_at),
        "expected_datetime": expected_datetime(request.due_on),
        "address": (request.address or "") if public_place else "",
        "address_id": None,
        "zipcode": None,
        "lat": float(request.latitude) if public_place and request.latitude is not None else None,
        "long": float(request.longitude) if public_place and request.longitude is not None else None,
        "media_url": None,
    }


def outside_description(council: TenantContext, outside: OutsideArea) -> str:
    """A place outside the council's area, and the endpoint on the platform that takes it, if any."""
    if not outside.neighbours:
        return f"this place is outside the area of {council.name}, and of every council on this platform"
    names = " or ".join(other.name for other in outside.neighbours)
    slugs = " or ".join(repr(other.slug) for other in outside.neighbours)
    return (
        f"this place is outside the area of {council.name}: it is in the area of {names}, which takes this"
        f" service on this platform; send it there (jurisdiction_id {slugs})"
    )


def service_notice(due_on: date | None) -> str:
    if due_on is None:
        return "We have your report."
    return f"We have your report and aim to deal with it by {due_on.day} {due_on:%B %Y}."


def requested_ids(raw: str) -> list[str]:
    """`service_request_id` of GET requests: one id or several separated by commas."""
    ids = [part.strip() for part in raw.split(",") if part.strip()]
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


def has_attributes(offering: Offering, declared: Open311Service) -> bool:
    """Whether `council_definition` lists any attribute (services.json's `metadata`): the module's declared
    ones first, so the service's questions are worded only for a service that declares none (wording them
    all was a third of the app's time on services.json)."""
    return bool(declared.attributes) or bool(council_definition(offering, declared)["attributes"])


def council_definition(offering: Offering, declared: Open311Service) -> dict[str, Any]:
    """GET services/{code} at this council: the module's declared attributes, then every other question
    the service asks (worded, with the choices this council offers), so a client that sends every
    attribute it is shown can always file the request. A question the service's Open311 `defaults` can
    answer is not required."""
    attributes = [attribute.as_georeport() for attribute in declared.attributes]
    for attribute in attributes:
        if attribute["code"] in declared.defaults:
            attribute["required"] = False
    shown = {attribute.code for attribute in declared.attributes} | set(_STANDARD) | {_DETAILS}
    order = max((attribute.order for attribute in declared.attributes), default=0)
    for question, always, is_list in _described(offering):
        if question.name in shown:
            continue
        shown.add(question.name)
        order += 1
        datatype: Datatype = "multivaluelist" if is_list else _DATATYPES.get(question.type, "string")
        entry: dict[str, Any] = {
            "variable": True,
            "code": question.name,
            "datatype": datatype,
            "required": question.required and always and question.name not in declared.defaults,
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
