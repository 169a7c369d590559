"""GET requests.json without ids, written by PostgreSQL: the bytes `as_georeport` and the JSON encoder
give, built by the one statement that selects the requests.

Per request in Python (a row object, a dict, two datetimes formatted, the encoder), the default window
of 1,000 requests cost some 20 ms of the app's CPU; PostgreSQL writes the same text in a few. The
statement also returns a marker of what it selected (how many rows, and a hash of each row's id and row
version, `xmin`, which every UPDATE of the row changes, whichever column it writes), and leaves the rows
out when the caller already holds the answer for that marker (`known`: a client's ETag, or this node's
copy in `answers`). Otherwise it returns, newest first, where each request the caller holds as it is now
(`held`: its copy's ids and versions) is in the copy, and the id, version and text of each other one, for
the caller to put the answer together (`answers.assembled`).

What the text must match, byte for byte (the tests compare it with the by-id answer, which goes through
`as_georeport`): the encoder's escaping (`to_json` escapes the same characters, as lowercase `\\u00xx`),
datetimes as `datetime.isoformat()` writes them in UTC to the second, the due day's end in UK time with
its offset, and a coordinate (numeric(9,6)) as the encoder writes its float: `51.0`, `-0.3002`,
`0.00005`, `1e-6`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Integer,
    Text,
    all_,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement, Select

from civicshare.db.driver import CouncilStatement
from civicshare.integrations.open311.service import MOST_LISTED, RequestQuery, is_public_place
from civicshare.modules import ModuleRegistry, UnknownService
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.tables import transactions

# Each row's text is one concat() of its parts: a chain of || copies the growing text at every step.

# A coordinate as msgspec writes float(value): numeric(9,6) has at most 9 significant digits, so the
# float's shortest text has the value's own digits, as `trim_scale` leaves them; the encoder adds `.0` to
# a whole number and writes 1e-6 ... 9e-6 (the only values below 0.00001) in exponent form.
_COORDINATE = """CASE
    WHEN {x} IS NULL THEN 'null'
    WHEN {x} = 0 THEN '0.0'
    WHEN abs({x}) < 0.00001 THEN concat(CASE WHEN {x} < 0 THEN '-' END, (abs({x}) * 1000000)::integer, 'e-6')
    WHEN {x} = trunc({x}) THEN concat(trunc({x}), '.0')
    ELSE trim_scale({x})::text
END"""

# The due day's end as `datetime.combine(due_on, time(23, 59, 59), UK_TIME).isoformat()` writes it.
_DAY_END = "(l.due_on + time '23:59:59')"
_IN_UTC = f"({_DAY_END} AT TIME ZONE 'Europe/London') AT TIME ZONE 'UTC'"
_OFFSET_SECONDS = f"extract(epoch FROM {_DAY_END} - {_IN_UTC})::integer"
_EXPECTED = f"""CASE WHEN l.due_on IS NULL THEN 'null' ELSE concat(
    '"', to_char(l.due_on, 'YYYY-MM-DD'), 'T23:59:59', CASE ({_OFFSET_SECONDS})
        WHEN 0 THEN '+00:00'
        WHEN 3600 THEN '+01:00'
        ELSE (SELECT concat(CASE WHEN o.s < 0 THEN '-' ELSE '+' END, lpad((abs(o.s) / 3600)::text, 2, '0'), ':',
                            lpad((abs(o.s) / 60 % 60)::text, 2, '0'),
                            CASE WHEN abs(o.s) % 60 <> 0 THEN ':' || lpad((abs(o.s) % 60)::text, 2, '0') END)
              FROM (SELECT {_OFFSET_SECONDS} AS s) AS o)
    END, '"')
END"""

_UTC = "to_char({t} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"

# One request, keys in `as_georeport`'s order; `s` is its service's row of `ServiceTable`, whose `middle`
# holds the constant run from service_name to the opening quote of requested_datetime.
_ONE = f"""concat(
    '{{"service_request_id":', to_json(l.reference)::text,
    CASE WHEN position(chr(30) || l.service || chr(31) || l.status || chr(30) IN s.closing) > 0
        THEN concat(',"status":"closed","status_notes":', coalesce(to_json(l.reason)::text, 'null'))
        ELSE ',"status":"open","status_notes":null' END,
    s.middle, {_UTC.format(t="l.created_at")},
    '+00:00","updated_datetime":"', {_UTC.format(t="l.updated_at")},
    '+00:00","expected_datetime":', {_EXPECTED},
    CASE WHEN s.public_place
        THEN concat(',"address":', to_json(coalesce(l.address, ''))::text, ',"address_id":null,"zipcode":null,"lat":',
                    {_COORDINATE.format(x="l.latitude")}, ',"long":', {_COORDINATE.format(x="l.longitude")})
        ELSE ',"address":"","address_id":null,"zipcode":null,"lat":null,"long":null' END,
    ',"media_url":null}}')"""


def _statement(statuses: frozenset[str]) -> Select[Any]:
    listed = select(
        transactions.c.id,
        literal_column("xmin::text::bigint").label("version"),
        transactions.c.reference,
        transactions.c.service,
        transactions.c.status,
        # Only the text staff chose to show the resident; otherwise the decision has no notes.
        case((transactions.c.decision_public, transactions.c.decision_reason)).label("reason"),
        transactions.c.created_at,
        transactions.c.updated_at,
        transactions.c.due_on,
        transactions.c.address,
        transactions.c.latitude,
        transactions.c.longitude,
    ).where(
        transactions.c.service == any_(cast(bindparam("services"), ARRAY(Text))),
        transactions.c.created_at >= bindparam("start"),
        transactions.c.created_at <= bindparam("end"),
    )
    if statuses == {"open"}:
        listed = listed.where(transactions.c.closed_at.is_(None))
    elif statuses == {"closed"}:
        listed = listed.where(transactions.c.closed_at.is_not(None))
    rows = (
        listed.order_by(transactions.c.created_at.desc(), transactions.c.id.desc())
        .limit(MOST_LISTED)
        .cte("listed")
        .prefix_with("MATERIALIZED")
    )
    counted = "count(*)::text || '-' || coalesce(bit_xor(hashint8extended(id, version)), 0)::text"
    marker: Select[Any] = select(literal_column(counted, Text).label("marker")).select_from(rows)
    l = rows.alias("l")  # noqa: E741 (the name the SQL above reads)
    services = (
        func.unnest(
            cast(bindparam("codes"), ARRAY(Text)),
            cast(bindparam("middles"), ARRAY(Text)),
            cast(bindparam("public_places"), ARRAY(Boolean)),
            cast(bindparam("closings"), ARRAY(Text)),
        )
        .table_valued("code", "middle", "public_place", "closing")
        .render_derived(name="s")
    )
    # The held ids and versions travel as text ("12,13"): the driver encodes an array element by element,
    # some 0.3 ms of the app's CPU for 1,000 numbers; PostgreSQL reads the text in a fraction of that.
    held = (
        func.unnest(_numbers("held_ids"), _numbers("held_versions"))
        .table_valued("id", "version", with_ordinality="at")
        .render_derived(name="h")
    )
    newest_first = (l.c.created_at.desc(), l.c.id.desc())
    one = literal_column(_ONE, Text)
    found = marker.subquery("m")
    # Without rows when the marker is known: the condition on the outer row alone gates the whole join.
    # The ids and versions of the fresh rows only: the caller has the others' (some 0.9 ms a request less,
    # measured, than writing all 1,000 of each again).
    fresh = held.c.at.is_(None)
    comma: ColumnElement[str] = literal_column("','", Text)
    changed = (
        select(
            func.string_agg(cast(l.c.id, Text), aggregate_order_by(comma, *newest_first)).filter(fresh).label("ids"),
            func.string_agg(cast(l.c.version, Text), aggregate_order_by(comma, *newest_first))
            .filter(fresh)
            .label("versions"),
            func.array_agg(aggregate_order_by(cast(held.c.at, Integer), *newest_first)).label("held_at"),
            func.convert_to(
                func.string_agg(one, aggregate_order_by(_SEPARATOR, *newest_first)).filter(fresh),
                literal_column("'UTF8'"),
            ).label("texts"),
        )
        .select_from(
            l.join(services, services.c.code == l.c.service).outerjoin(
                held, and_(held.c.id == l.c.id, held.c.version == l.c.version)
            )
        )
        .where(found.c.marker != all_(cast(bindparam("known"), ARRAY(Text))))
        .lateral("r")
    )
    return select(found.c.marker, changed.c.ids, changed.c.versions, changed.c.held_at, changed.c.texts).select_from(
        found.join(changed, true())
    )


SEPARATOR = b"\x1e"
"""Between the texts of the requests the caller does not hold, which never hold it: JSON escapes it."""
_SEPARATOR = literal_column("chr(30)", Text)


def _numbers(name: str) -> Any:
    return cast(func.string_to_array(bindparam(name, type_=Text), literal_column("','")), ARRAY(BigInteger))


_STATEMENTS = {
    statuses: CouncilStatement(_statement(statuses), kept_as_function=True)
    for statuses in (frozenset({"open"}), frozenset({"closed"}), frozenset({"open", "closed"}))
}


@dataclass(frozen=True)
class Listed:
    """The requests selected, newest first: where each the caller holds as it is now is among those it
    holds, and the id, row version and text of each other (fresh) one."""

    held_at: list[int | None]
    """Each request's place (from 1) among the caller's held rows; None when it is fresh."""
    fresh_ids: list[str]
    fresh_versions: list[str]
    texts: list[bytes]
    """The fresh requests' ids, row versions and texts, newest first."""


@dataclass(frozen=True)
class Listing:
    marker: str
    """How many requests were selected and a hash of their ids and row versions."""
    rows: Listed | None
    """None when the marker is one of those the caller said it knows."""


@dataclass(frozen=True)
class ServiceTable:
    """The registry's Open311 services as the statement reads them (names already JSON-encoded)."""

    codes: list[str]
    names: list[str]
    open311_codes: list[str]
    public_places: list[bool]
    closings: list[str]

    def middles(self, agency: str) -> list[str]:
        """Each service's constant run of a request's text: its names, the council's, up to a date."""
        return [
            f',"service_name":{name},"service_code":{code},"description":null,"agency_responsible":{agency}'
            ',"service_notice":null,"requested_datetime":"'
            for name, code in zip(self.names, self.open311_codes, strict=True)
        ]


def service_table(registry: ModuleRegistry, codes: Collection[str]) -> ServiceTable:
    table = ServiceTable([], [], [], [], [])
    for code in codes:
        try:
            _, service = registry.service(code)
        except UnknownService:
            continue
        definition = service.open311
        table.codes.append(code)
        table.names.append(_encoded(definition.service_name if definition else code))
        table.open311_codes.append(_encoded(definition.service_code if definition else code))
        table.public_places.append(is_public_place(service))
        # "\x1e" around each "service\x1fstatus": the statement looks its row's pair up with position().
        table.closings.append("".join(f"\x1e{code}\x1f{status}\x1e" for status in sorted(service.workflow.closing)))
    return table


def _encoded(text: str) -> str:
    return msgspec.json.encode(text).decode()


async def fetch_listing(
    engine: AsyncEngine,
    tenant: TenantContext,
    query: RequestQuery,
    services: ServiceTable,
    known: Collection[str] = (),
    held: tuple[str, str] = ("", ""),
) -> Listing:
    """The council's requests for `query` as GET requests.json answers them, unless their marker is known;
    the text only of those not `held` (ids and row versions) as they are now."""
    parameters = {
        "services": list(query.services),
        "start": query.start,
        "end": query.end,
        "codes": services.codes,
        "middles": services.middles(_encoded(tenant.name)),
        "public_places": services.public_places,
        "closings": services.closings,
        "known": list(known),
        "held_ids": held[0],
        "held_versions": held[1],
    }
    row = await _STATEMENTS[query.statuses].fetch_one(engine, tenant.schema, parameters)
    assert row is not None  # an aggregate: always one row
    if row["marker"] in known:
        return Listing(row["marker"], None)
    texts: bytes | None = row["texts"]
    listed = Listed(
        row["held_at"] or [],
        row["ids"].split(",") if row["ids"] else [],
        row["versions"].split(",") if row["versions"] else [],
        texts.split(SEPARATOR) if texts else [],
    )
    return Listing(row["marker"], listed)
