"""A council's work queue: which requests an officer sees, filtered and in what order, and the counts
on the staff home page.

A request is open until it reaches a closing status of its service's workflow (a pothole is finished
when `resolved`, a permit when `approved`...), when `closed_at` is set. The queue's default order,
soonest due first among open requests, reads the partial index `ix_transactions_open_due`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    BindParameter,
    ColumnElement,
    FromClause,
    Select,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.db.driver import CouncilStatement
from civicshare.lru import LeastRecentlyUsed
from civicshare.modules.working_days import UK_TIME, is_working_day, working_days_between
from civicshare.transactions.references import REFERENCE_PATTERN, normalise_reference
from civicshare.transactions.tables import address_words, transactions

PAGE_SIZE = 25
# Counting every request of a council (tens of thousands, and more each year) costs more than the page
# itself; past this many the queue says "more than 10,000", as a search engine would.
COUNTED_AT_MOST = 10_000
SEARCH_MAX_LENGTH = 100
DUE_CHOICES = ("overdue", "today", "this-week")
STATE_CHOICES = ("open", "closed", "all")
ASSIGNEE_CHOICES = ("me", "nobody")
# What a queue row shows (`staff.views.queue_rows`): not the answers, nor the rest of the request.
QUEUE_COLUMNS = [
    transactions.c[name]
    for name in (
        "id", "reference", "service", "status", "address", "latitude", "longitude", "due_on", "created_at",
        "closed_at", "sla_paused_at", "assignee_name", "assigned_team_id",
    )
]  # fmt: skip


@dataclass(frozen=True)
class QueueFilter:
    """What an officer asked the queue for; every field optional, `state` open by default."""

    state: str = "open"
    service: str | None = None
    status: str | None = None
    channel: str | None = None
    due: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str | None = None
    assignee: str | None = None  # "me" or "nobody"
    team: str | None = None  # "mine", or a team's id

    @property
    def is_default(self) -> bool:
        return self == QueueFilter()


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int  # with `more`, a lower bound: at least this many match
    page: int
    pages: int  # with `more`, the pages known so far (the next one at least)
    beside: Any = None  # the value asked to be read beside the page (`queue_page`'s `beside`)
    more: bool = False  # more than `total` match: they were counted only so far


@dataclass(frozen=True)
class QueueCounts:
    """The staff home page's figures for one council."""

    open: int
    overdue: int
    due_today: int
    assigned_to_me: int
    unassigned: int
    my_teams: int
    by_status: list[tuple[str, str, int]] = field(default_factory=list)  # (service, status, count)


class QueueParameters(dict[str, Any]):
    """The values of a queue statement's named parameters for one request, and the statement's shape: what
    `conditions` chose to write. Two requests of the same shape share one statement (`queue_page`), each
    with its own values: the page's statement is built once, not on every request (building it made most of
    a node's garbage for the collector, and its passes stalled every request on the node)."""

    def __init__(self) -> None:
        super().__init__()
        self.shape: list[Hashable] = []

    def bind(self, name: str, column: ColumnElement[Any], value: Any) -> BindParameter[Any]:
        self[name] = value
        return bindparam(name, value, type_=column.type)

    def any_of(self, name: str, column: ColumnElement[Any], values: list[Any]) -> ColumnElement[bool]:
        """`column` is one of `values`, given as one array: the statement's text is the same for any number
        of them (an IN list is written out anew for each), so it is compiled once."""
        self[name] = values
        return column == any_(bindparam(name, values, type_=ARRAY(column.type)))

    def chose(self, *what: Hashable) -> None:
        self.shape.append(what)


def search_condition(text: str, parameters: QueueParameters | None = None) -> ColumnElement[bool]:
    """What the text looks like picks the one index to look in: a reference, an email address, a USRN
    (digits), else words of an address or postcode. One condition, not all four OR-ed together, so that
    PostgreSQL can tell how many requests will match and choose its plan accordingly."""
    bound = parameters if parameters is not None else QueueParameters()
    reference = normalise_reference(text)
    if REFERENCE_PATTERN.match(reference):
        bound.chose("search", "reference")
        return transactions.c.reference == bound.bind("search", transactions.c.reference, reference)
    if "@" in text:
        bound.chose("search", "email")
        email = bound.bind("search", transactions.c.contact_email, text.lower())
        return func.lower(transactions.c.contact_email) == email
    if text.isdecimal():
        bound.chose("search", "usrn")
        return transactions.c.usrn == bound.bind("search", transactions.c.usrn, text)
    bound.chose("search", "words")
    return address_words(transactions.c.address).bool_op("@@")(
        func.plainto_tsquery(literal_column("'simple'::regconfig"), bound.bind("search", transactions.c.address, text))
    )


def conditions(
    wanted: QueueFilter,
    today: date,
    me: str,
    allowed: frozenset[str] | None = None,
    my_teams: Sequence[int] = (),
    parameters: QueueParameters | None = None,
) -> list[ColumnElement[bool]]:
    """What a request must be to be in the queue the officer asked for; every value a named parameter,
    recorded in `parameters` with the shape of what was written."""
    bound = parameters if parameters is not None else QueueParameters()
    t = transactions.c
    found: list[ColumnElement[bool]] = []
    if allowed is not None:  # the officer's teams work on these services only
        bound.chose("allowed")
        found.append(bound.any_of("allowed", t.service, sorted(allowed)))
    is_open = t.closed_at.is_(None)
    bound.chose("state", wanted.state)
    if wanted.state == "open":
        found.append(is_open)
    elif wanted.state == "closed":
        found.append(t.closed_at.is_not(None))
    if wanted.service:
        bound.chose("service")
        found.append(t.service == bound.bind("service", t.service, wanted.service))
    if wanted.status:
        bound.chose("status")
        found.append(t.status == bound.bind("status", t.status, wanted.status))
    if wanted.channel:
        bound.chose("channel")
        found.append(t.channel == bound.bind("channel", t.channel, wanted.channel))
    running = t.sla_paused_at.is_(None)  # a paused clock is neither late nor due
    if wanted.due in DUE_CHOICES:
        bound.chose("due", wanted.due)
    if wanted.due == "overdue":
        found += [t.due_on < bound.bind("due", t.due_on, today), is_open, running]
    elif wanted.due == "today":
        found += [t.due_on == bound.bind("due", t.due_on, today), is_open, running]
    elif wanted.due == "this-week":
        found += [t.due_on <= bound.bind("due", t.due_on, _end_of_week(today)), is_open, running]
    # Days in the UK as instants, so that ix_transactions_created_at answers them.
    if wanted.submitted_from:
        bound.chose("from")
        found.append(t.created_at >= bound.bind("submitted_from", t.created_at, _uk_midnight(wanted.submitted_from)))
    if wanted.submitted_to:
        bound.chose("to")
        before = _uk_midnight(wanted.submitted_to + timedelta(days=1))
        found.append(t.created_at < bound.bind("submitted_before", t.created_at, before))
    if wanted.search:
        found.append(search_condition(wanted.search, bound))
    if wanted.assignee == "me":
        bound.chose("assignee", "me")
        found.append(t.assignee_subject == bound.bind("me", t.assignee_subject, me))
    elif wanted.assignee == "nobody":
        bound.chose("assignee", "nobody")
        found.append(t.assignee_subject.is_(None))
    if wanted.team == "mine":
        bound.chose("team", "mine")
        found.append(bound.any_of("my_teams", t.assigned_team_id, list(my_teams)))
    elif wanted.team is not None and wanted.team.isdecimal():
        bound.chose("team", "one")
        found.append(t.assigned_team_id == bound.bind("team", t.assigned_team_id, int(wanted.team)))
    return found


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UK_TIME)


def _end_of_week(today: date) -> date:
    return date.fromordinal(today.toordinal() + (6 - today.weekday()))


@dataclass(frozen=True)
class CountsKept:
    """Whose queue counts this node may remember (a council: its id and schema), and for how long
    (`CIVICSHARE_QUEUE_COUNT_LAG_SECONDS`)."""

    council: Hashable
    lag_seconds: float


@dataclass(frozen=True)
class _Counted:
    total: int
    more: bool
    at: float  # time.monotonic()


# The counts of full pages by council and filter (its shape and values): some 100 bytes each.
_counted: LeastRecentlyUsed[Hashable, _Counted] = LeastRecentlyUsed(8192)


async def queue_page(
    connection: AsyncConnection,
    wanted: QueueFilter,
    *,
    page: int,
    today: date,
    me: str,
    allowed: frozenset[str] | None = None,
    my_teams: Sequence[int] = (),
    beside: ColumnElement[Any] | None = None,
    beside_parameters: Mapping[str, Any] | None = None,
    counts: CountsKept | None = None,
) -> QueuePage:
    """One page of the queue, soonest due first (requests with no deadline last, oldest first), and how
    many requests match, in one statement; `beside`, a value the page shows with it (the officer's saved
    filters), is read in the same statement: an expression built once, its values in `beside_parameters`.
    A statement of each shape is built once and kept (`QueueParameters`).

    The page is always read as it is now. How many match is known from the page itself when it is not
    full (then it is the last); for a full page it is counted, up to COUNTED_AT_MOST, which costs more than
    the page (an index walk over every match: 2 of PostgreSQL's 2.6 ms for 4,000 open requests). Given
    `counts`, a full page's count is remembered for `counts.lag_seconds`, and the page read alone meanwhile."""
    parameters = QueueParameters()
    where = conditions(wanted, today, me, allowed, my_teams, parameters)
    counting = not wanted.search
    count_key, remembered = _remembered_count(counts, parameters) if counting else (None, None)
    page = max(page, 1)
    parameters.update(beside_parameters or {})
    parameters["page_size"] = PAGE_SIZE
    parameters["page_offset"] = (page - 1) * PAGE_SIZE
    at_most = max(COUNTED_AT_MOST, page * PAGE_SIZE)
    parameters["counted_past"] = at_most + 1
    counting_now = counting and remembered is None
    # `beside` by identity (expressions compare into SQL, not to a bool): the kept statement holds it, so
    # its id is not another's while the statement is kept.
    shape = (tuple(parameters.shape), counting, counting_now, id(beside) if beside is not None else None)
    kept = _kept_statements.get(shape)
    if kept is None:
        statement = _page_statement(where, counting=counting, counted_now=counting_now, beside=beside)
        kept = _kept_statements.put(shape, _KeptStatement.of(statement))
    # The kept statement's parameters still hold the values of the request it was built for (another
    # officer's teams, say): each must be given again, never left to those.
    if missing := kept.parameters - parameters.keys():
        raise RuntimeError(f"the queue's statement was given no value for {sorted(missing)}")
    head, rows = _split(await kept.statement.read_on(connection, parameters), counting=counting)
    if remembered is not None and (rows or page == 1):  # else past the last page: counted below
        return _counted_by(remembered, rows, page, head["beside"])
    if count_key is not None and head["matching"] is not None:
        matching = head["matching"]
        _counted.put(count_key, _Counted(min(matching, at_most), matching > at_most, monotonic()))
    if counting_now and head["matching"] is not None and head["matching"] > at_most:
        return QueuePage(rows=rows, total=at_most, page=page, pages=page + 1, beside=head["beside"], more=True)
    if not rows and page > 1:  # past the last page (a kept link, a typed number): the last page instead
        total = head["matching"] if head["matching"] is not None else await _count(connection, where)
        last = min(page - 1, max(1, -(-total // PAGE_SIZE)))
        return await queue_page(
            connection, wanted, page=last, today=today, me=me, allowed=allowed, my_teams=my_teams, beside=beside,
            beside_parameters=beside_parameters, counts=counts,
        )  # fmt: skip
    total = head["matching"] or 0  # nothing on the first page: nothing matches
    return QueuePage(rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), beside=head["beside"])


def _remembered_count(
    counts: CountsKept | None, parameters: QueueParameters
) -> tuple[Hashable | None, _Counted | None]:
    """Where this filter's count is remembered (None: it is not to be), and the count if not older than the
    lag."""
    if counts is None or counts.lag_seconds <= 0:
        return None, None
    key = _count_key(counts, parameters)
    found = _counted.get(key)
    if found is None or monotonic() - found.at >= counts.lag_seconds:
        return key, None
    return key, found


def _counted_by(remembered: _Counted, rows: list[dict[str, Any]], page: int, beside: Any) -> QueuePage:
    """A page read alone: a full one with the remembered count (at least up to itself), the last (not full)
    with its own, exact."""
    shown = (page - 1) * PAGE_SIZE + len(rows)
    if len(rows) < PAGE_SIZE:
        return QueuePage(rows, shown, page, max(page, -(-shown // PAGE_SIZE)), beside=beside)
    total = max(remembered.total, shown)
    pages = page + 1 if remembered.more else max(page, -(-total // PAGE_SIZE))
    return QueuePage(rows, total, page, pages, beside=beside, more=remembered.more)


def _count_key(counts: CountsKept, parameters: QueueParameters) -> Hashable:
    """The council and what the filter chose and with which values (the page and `beside` left out; a
    list's values, each one of an IN, in any order)."""
    values = tuple(
        (name, frozenset(value) if isinstance(value, list | set | frozenset) else value)
        for name, value in sorted(parameters.items())
    )
    return (counts.council, tuple(parameters.shape), values)


_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _KeptStatement:
    statement: CouncilStatement  # compiled once, for each council the first time it runs there
    parameters: frozenset[str]  # every parameter it names

    @classmethod
    def of(cls, statement: Select[Any]) -> _KeptStatement:
        return cls(CouncilStatement(statement), frozenset(statement.compile(dialect=_DIALECT).binds))


# The queue's statements by shape: a few dozen in practice (each filter present or not, the search's kind).
_kept_statements: LeastRecentlyUsed[Hashable, _KeptStatement] = LeastRecentlyUsed(512)


def _page_statement(
    where: list[ColumnElement[bool]], *, counting: bool, counted_now: bool, beside: ColumnElement[Any] | None
) -> Select[Any]:
    candidates = select(transactions.c.id, transactions.c.due_on, transactions.c.created_at).where(*where)
    if counting and not counted_now:  # the count is remembered: the page alone
        return _rows_statement(candidates.subquery("candidates"), beside, counted=cast(null(), BigInteger))
    if not counting:
        # A search finds its matches by its own index first, then orders them (left to itself, PostgreSQL
        # may walk the queue in order instead, working out every request's address words as it goes),
        # and counts them in the same pass: each match is a visit to the table, so once, not twice.
        return _rows_statement(candidates.cte("matches").prefix_with("MATERIALIZED"), beside)
    # Counted apart (an InitPlan: once), in the same statement as the page, and only so far: a page deep
    # in the queue is always counted past, so that its next page is known to exist.
    one: ColumnElement[int] = literal_column("1")
    counted_rows = (
        select(one).select_from(transactions).where(*where).limit(bindparam("counted_past")).subquery("counted_rows")
    )
    counted = select(func.count()).select_from(counted_rows).scalar_subquery()
    return _rows_statement(candidates.subquery("candidates"), beside, counted=counted)


async def _count(connection: AsyncConnection, where: list[ColumnElement[bool]]) -> int:
    return int((await connection.execute(select(func.count()).select_from(transactions).where(*where))).scalar_one())


def _rows_statement(
    candidates: FromClause, beside: ColumnElement[Any] | None, *, counted: ColumnElement[int] | None = None
) -> Select[Any]:
    """One page of the candidates (id, due_on, created_at), and apart from them `matching` (the count
    given, or without one the candidates counted by a window over them) and `beside`. The page's ids are
    chosen first, then their rows read: filters on what ix_transactions_open_due carries, and pages deep
    into the queue, are then read from the index alone, not from every skipped row. The page is joined to
    one row of what goes with it, so that an empty page still brings it."""
    listed = candidates.c
    chosen = (
        select(listed.id, *([func.count().over().label("matching")] if counted is None else []))
        .order_by(listed.due_on.asc().nulls_last(), listed.created_at, listed.id)
        .limit(bindparam("page_size"))
        .offset(bindparam("page_offset"))
        .subquery("on_page")
    )
    nothing = null()
    head = select(
        (counted if counted is not None else nothing).label("counted"),
        (beside if beside is not None else nothing).label("beside"),
    ).subquery("head")
    on_page = transactions.join(chosen, chosen.c.id == transactions.c.id)
    return (
        select(head.c.counted, head.c.beside, *([chosen.c.matching] if counted is None else []), *QUEUE_COLUMNS)
        .select_from(head.outerjoin(on_page, true()))
        .order_by(transactions.c.due_on.asc().nulls_last(), transactions.c.created_at, transactions.c.id)
    )


def _split(rows: list[dict[str, Any]], *, counting: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The statement's rows as the page's rows, and what came beside them (`matching`, `beside`)."""
    first = rows[0]
    head_values = {"matching": first["counted"] if counting else first.get("matching"), "beside": first["beside"]}
    page_rows = []
    for row in rows:
        if row["id"] is None:  # the page is empty: only what goes with it
            continue
        for name in ("counted", "beside", "matching"):
            row.pop(name, None)
        page_rows.append(row)
    return head_values, page_rows


async def queue_counts(
    connection: AsyncConnection,
    today: date,
    me: str,
    allowed: frozenset[str] | None = None,
    my_teams: Sequence[int] = (),
) -> QueueCounts:
    """One pass over the open requests, read from `ix_transactions_open_due` alone (it carries every
    column counted here), per service and status; the home page's figures are their sums."""
    open_requests = and_(
        transactions.c.closed_at.is_(None),
        transactions.c.service.in_(sorted(allowed)) if allowed is not None else true(),
    )
    groups = (
        await connection.execute(
            select(
                transactions.c.service,
                transactions.c.status,
                func.count(),
                func.count().filter(transactions.c.due_on < today, transactions.c.sla_paused_at.is_(None)),
                func.count().filter(transactions.c.due_on == today, transactions.c.sla_paused_at.is_(None)),
                func.count().filter(transactions.c.assignee_subject == me),
                func.count().filter(transactions.c.assignee_subject.is_(None)),
                func.count().filter(transactions.c.assigned_team_id.in_(list(my_teams))),
            )
            .where(open_requests)
            .group_by(transactions.c.service, transactions.c.status)
            .order_by(transactions.c.service, transactions.c.status)
        )
    ).all()
    return QueueCounts(
        open=sum(group[2] for group in groups),
        overdue=sum(group[3] for group in groups),
        due_today=sum(group[4] for group in groups),
        assigned_to_me=sum(group[5] for group in groups),
        unassigned=sum(group[6] for group in groups),
        my_teams=sum(group[7] for group in groups),
        by_status=[(group[0], group[1], group[2]) for group in groups],
    )


@dataclass(frozen=True)
class SlaClock:
    """How long an officer has left, in working days, or how late the request is."""

    due_on: date | None
    working_days_left: int | None
    closed: bool
    paused_since: date | None = None  # waiting on the resident: the clock stands still

    @property
    def overdue(self) -> bool:
        return (
            not self.closed
            and self.paused_since is None
            and self.working_days_left is not None
            and self.working_days_left < 0
        )

    @property
    def words(self) -> str:
        if self.paused_since is not None and not self.closed:
            return f"Clock stopped since {self.paused_since.day} {self.paused_since:%B}: waiting for the resident"
        if self.closed or self.due_on is None or self.working_days_left is None:
            return "Closed" if self.closed else "No deadline"
        left = self.working_days_left
        if left < 0:
            return f"Overdue by {_days(-left)}"
        if left == 0:
            return "Due today"
        return f"{_days(left)} left"


def _days(count: int) -> str:
    return f"{count} working day{'' if count == 1 else 's'}"


def sla_clock(due_on: date | None, closed: bool, today: date, paused_at: datetime | None = None) -> SlaClock:
    if paused_at is not None and not closed:
        return SlaClock(due_on, None, closed, paused_since=paused_at.astimezone(UK_TIME).date())
    if due_on is None or closed:
        return SlaClock(due_on, None, closed)
    if due_on < today and is_working_day(today):
        return SlaClock(due_on, -working_days_between(due_on, today), False)
    if due_on < today:  # a weekend or bank holiday after the deadline: late by the working days since
        return SlaClock(due_on, -max(1, working_days_between(due_on, today)), False)
    return SlaClock(due_on, working_days_between(today, due_on), False)
