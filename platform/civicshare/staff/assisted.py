"""Assisted digital: an officer fills in a service's form for someone who phoned, called in, emailed,
wrote or used webchat, and sends it as the staffed contact it was.

The form is the service's own, as the website asks it (its questions, checks and check your answers),
one step a page under `/staff/assisted/<service>/`; the caller's email address is optional, as many
callers have none. The request is made by `transactions.submission.submit` on the channel the officer
chose, submitted by staff (the officer), so the savings figures count it on that channel, never as web.

What has been typed is kept in the signed flow cookie (`web.flow_state`) under its own key, one call at
a time: starting another clears it, so an officer keys in call after call.

Fees: card payments cannot be taken in the back office yet. A request that would cost something is not
sent: the check page says so and gives the address where the caller can apply and pay online.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.api.identity import origin_of
from civicshare.casework.service import record_action
from civicshare.catalogue.service import CouncilOfferings, Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.modules import check_step, fee_for
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit
from civicshare.transactions.stores import InCallersTransaction
from civicshare.transactions.submission import (
    EMAIL_MESSAGE,
    IdempotencyKeyReused,
    SubmissionInvalid,
    Submitter,
    check_submission,
    submit,
    valid_email,
)
from civicshare.web.flow_routes import fee_text, step_errors
from civicshare.web.flows import (
    CHECK_PAGE,
    CONTACT_STEP,
    Draft,
    answer_sections,
    first_unanswered_step,
    form_step,
    page_after,
    page_before,
    typed_data,
    uk_day,
)
from civicshare.web.questions import Option, Question, posted_values, questions_for, validation_data
from civicshare.web.service import CHANNEL_NAMES, Row
from civicshare.web.site import FieldError

IN_PROGRESS = "assisted"  # the flow state's key for the call being keyed in
SENT = "assisted_sent"
# The channels a member of staff takes contacts on, as officers would list them.
STAFFED_CHANNELS = ("phone", "face_to_face", "email", "webchat", "letter")

CALLER_EMAIL = Question(
    name="caller_email",
    kind="text",
    label="What is their email address? (optional)",
    hint="We email them their reference and updates. Leave it blank if they have none.",
)


def channel_options() -> list[Option]:
    return [Option(channel, CHANNEL_NAMES[channel]) for channel in STAFFED_CHANNELS]


def service_options(visit: StaffVisit, offerings: CouncilOfferings) -> list[dict[str, str]]:
    """The council's services the officer works on (a team may be limited to some)."""
    return [{"value": "", "label": "Choose a service"}] + [
        {"value": offering.code, "label": offering.title} for offering in offerings if visit.may_work_on(offering.code)
    ]


def worked_on(visit: StaffVisit, offerings: CouncilOfferings, code: str) -> Offering | None:
    offered = offerings.offering(code) if code else None
    return offered if offered is not None and visit.may_work_on(offered.code) else None


@dataclass
class Call:
    """The request being keyed in: which service, the channel the caller used, and what has been typed."""

    service: str
    channel: str
    draft: Draft

    @classmethod
    def load(cls, stored: Any) -> Call | None:
        if not isinstance(stored, dict) or stored.get("channel") not in STAFFED_CHANNELS:
            return None
        return cls(str(stored.get("service")), str(stored["channel"]), Draft.load(stored.get("draft")))

    def dump(self) -> dict[str, Any]:
        return {"service": self.service, "channel": self.channel, "draft": self.draft.dump()}

    def submitter(self, visit: StaffVisit) -> Submitter:
        return Submitter.staff(visit.officer.subject, self.draft.email or None)


def _keep(visit: StaffVisit, call: Call | None) -> None:
    visit.web.flow[IN_PROGRESS] = call.dump() if call else None


async def _offerings(visit: StaffVisit) -> CouncilOfferings:
    offerings: CouncilOfferings = await visit.services.offerings.for_council(visit.web.council)
    return offerings


def _start_page(visit: StaffVisit, offerings: CouncilOfferings, **values: Any) -> Response[Any]:
    return visit.page(
        "staff/assisted_start.html",
        status=400 if values.get("errors") else 200,
        title="Make a request for someone",
        current="staff-assisted",
        service_options=service_options(visit, offerings),
        channel_options=channel_options(),
        **{"typed": {}, "errors": [], **values},
    )


@get("/assisted", opt=requires(Permission.SUBMIT_FOR_RESIDENTS))
async def assisted_start(staff_visit: NamedDependency[StaffVisit], sent: FromQuery[str] = "") -> Response[Any]:
    visit = staff_visit
    done = visit.web.flow.get(SENT)
    shown = done if isinstance(done, dict) and sent and done.get("reference") == sent else None
    return _start_page(visit, await _offerings(visit), sent=shown)


@post("/assisted", opt=requires(Permission.SUBMIT_FOR_RESIDENTS))
async def assisted_begin(
    staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    """A new call: the service and channel chosen, anything typed for an earlier call is dropped."""
    visit = staff_visit
    form = await visit.web.form()
    typed = {"service": form.get("service", ""), "channel": form.get("channel", "")}
    offerings = await _offerings(visit)
    offered = worked_on(visit, offerings, typed["service"])
    errors = []
    if offered is None:
        errors.append(FieldError("service", "Select the service they want"))
    if typed["channel"] not in STAFFED_CHANNELS:
        errors.append(FieldError("channel", "Select how they contacted us"))
    if offered is None or errors:
        return _start_page(visit, offerings, typed=typed, errors=errors)
    draft = Draft(typed={}, email="", key="staff-" + secrets.token_urlsafe(18))
    _keep(visit, Call(offered.code, typed["channel"], draft))
    return visit.redirect(f"/staff/assisted/{offered.code}/{offered.service.steps[0].code}")


async def _in_progress(visit: StaffVisit, code: str) -> tuple[Offering, Call] | None:
    """The service and the call being keyed in for it; None when no call for it is in progress."""
    call = Call.load(visit.web.flow.get(IN_PROGRESS))
    offered = (await _offerings(visit)).offering(code)
    if offered is None:
        raise Problem(404, "Page not found", f"{visit.web.council.name} does not offer this service.", name="not-found")
    visit.check_may_work_on(code)
    return (offered, call) if call is not None and call.service == code else None


def _back(visit: StaffVisit, offered: Offering, call: Call, step_code: str, change: bool) -> str:
    code = offered.service.code
    if change:
        return visit.web.url(f"/staff/assisted/{code}/{CHECK_PAGE}")
    before = page_before(offered, typed_data(offered, call.draft.typed), step_code)
    return visit.web.url(f"/staff/assisted/{code}/{before}" if before else "/staff/assisted")


def _step_page(
    visit: StaffVisit,
    offered: Offering,
    call: Call,
    step_code: str,
    questions: list[Question],
    values: dict[str, str],
    errors: list[FieldError],
    change: bool,
) -> Response[Any]:
    title = questions[0].label if len(questions) == 1 else offered.service.step(step_code).title
    return visit.page(
        "staff/assisted_step.html",
        status=400 if errors else 200,
        title=title,
        current="staff-assisted",
        offered=offered,
        channel_name=CHANNEL_NAMES[call.channel],
        step_code=step_code,
        questions=questions,
        values=values,
        errors=errors,
        change=change,
        back=_back(visit, offered, call, step_code, change),
    )


@get("/assisted/{code:str}/{step_code:str}", opt=requires(Permission.SUBMIT_FOR_RESIDENTS))
async def assisted_step(
    staff_visit: NamedDependency[StaffVisit], code: FromPath[str], step_code: FromPath[str], change: FromQuery[str] = ""
) -> Response[Any]:
    visit = staff_visit
    found = await _in_progress(visit, code)
    if found is None:
        return visit.redirect("/staff/assisted")
    offered, call = found
    if step_code == CHECK_PAGE:
        return _check_page(visit, offered, call)
    if step_code == CONTACT_STEP:
        values = {CALLER_EMAIL.name: call.draft.email}
        return _step_page(visit, offered, call, CONTACT_STEP, [CALLER_EMAIL], values, [], bool(change))
    questions = questions_for(form_step(offered, step_code), offered.settings)
    return _step_page(visit, offered, call, step_code, questions, call.draft.typed, [], bool(change))


@post("/assisted/{code:str}/{step_code:str}", opt=requires(Permission.SUBMIT_FOR_RESIDENTS))
async def assisted_answer(
    staff_visit: NamedDependency[StaffVisit],
    csrf_checked: NamedDependency[None],
    code: FromPath[str],
    step_code: FromPath[str],
    change: FromQuery[str] = "",
) -> Response[Any]:
    visit = staff_visit
    found = await _in_progress(visit, code)
    if found is None:
        return visit.redirect("/staff/assisted")
    offered, call = found
    posted = await visit.web.form()
    if step_code == CHECK_PAGE:
        return await _send(visit, offered, call)
    if step_code == CONTACT_STEP:
        email = posted.get(CALLER_EMAIL.name, "").strip()
        if email and not valid_email(email):
            errors = [FieldError(CALLER_EMAIL.name, EMAIL_MESSAGE)]
            values = {CALLER_EMAIL.name: email}
            return _step_page(visit, offered, call, CONTACT_STEP, [CALLER_EMAIL], values, errors, bool(change))
        call.draft.email = email
        _keep(visit, call)
        return visit.redirect(f"/staff/assisted/{code}/{CHECK_PAGE}")
    step = form_step(offered, step_code)
    questions = questions_for(step, offered.settings)
    typed = posted_values(questions, posted)
    checked = check_step(step, validation_data(questions, typed), settings=offered.settings)
    call.draft.typed.update(typed)
    _keep(visit, call)
    if not checked.ok:
        errors = step_errors(questions, checked.errors)
        return _step_page(visit, offered, call, step_code, questions, call.draft.typed, errors, bool(change))
    data = typed_data(offered, call.draft.typed)
    following = page_after(offered, data, step_code)
    if change and first_unanswered_step(offered, data) is None:
        following = CHECK_PAGE
    return visit.redirect(f"/staff/assisted/{code}/{following}")


def _checked(offered: Offering, call: Call, visit: StaffVisit) -> tuple[dict[str, Any], int | None] | str:
    """The answers as the submission service takes them and the fee, or the page still needing answers."""
    data = typed_data(offered, call.draft.typed)
    unanswered = first_unanswered_step(offered, data)
    if unanswered is not None:
        return unanswered
    try:
        answers = check_submission(offered, data, call.channel, call.submitter(visit))
    except SubmissionInvalid:
        return offered.service.steps[0].code
    return answers, fee_for(offered.service, answers, offered.settings)


def _check_page(visit: StaffVisit, offered: Offering, call: Call) -> Response[Any]:
    code = offered.service.code
    checked = _checked(offered, call, visit)
    if isinstance(checked, str):
        return visit.redirect(f"/staff/assisted/{code}/{checked}")
    _, fee = checked
    data = typed_data(offered, call.draft.typed)
    sections = answer_sections(offered, data, lambda step: visit.web.url(f"/staff/assisted/{code}/{step}?change=1"))
    change_email = visit.web.url(f"/staff/assisted/{code}/{CONTACT_STEP}?change=1")
    sections.append(
        (
            "The person making the request",
            [
                Row("How they contacted us", CHANNEL_NAMES[call.channel]),
                Row("Email address", call.draft.email or "Not given", change_email, "email address"),
            ],
        )
    )
    return visit.page(
        "staff/assisted_check.html",
        title="Check the answers before sending the request",
        current="staff-assisted",
        offered=offered,
        sections=sections,
        fee=fee_text(fee) if fee else None,
        online_href=origin_of(visit.web.request) + f"/services/{code}",
        back=visit.web.url(f"/staff/assisted/{code}/{CONTACT_STEP}"),
    )


async def _send(visit: StaffVisit, offered: Offering, call: Call) -> Response[Any]:
    code = offered.service.code
    checked = _checked(offered, call, visit)
    if isinstance(checked, str) or checked[1]:  # unfinished, or it has a fee the back office cannot take
        return visit.redirect(f"/staff/assisted/{code}/{CHECK_PAGE}")
    council = visit.web.council
    officer = visit.casework_officer
    try:
        async with tenant_connection(visit.services.database.engine, council) as connection:
            store = InCallersTransaction(connection, council)
            data = typed_data(offered, call.draft.typed)
            sent = await submit(store, offered, data, call.channel, call.submitter(visit), call.draft.key)
            if sent.created:  # a second click on "Send" is the same request, and is not recorded again
                await record_action(connection, officer, "keyed_in", sent.reference, service=code, channel=call.channel)
    except SubmissionInvalid:
        return visit.redirect(f"/staff/assisted/{code}/{CHECK_PAGE}")
    except IdempotencyKeyReused as reused:  # answers changed after this call's request was sent
        return visit.redirect(f"/staff/requests/{reused.reference}")
    _keep(visit, None)
    visit.web.flow[SENT] = {
        "reference": sent.reference,
        "service": offered.title,
        "channel": CHANNEL_NAMES[call.channel],
        "respond_by": uk_day(sent.due_on),
    }
    return visit.redirect(f"/staff/assisted?sent={sent.reference}")


HANDLERS = [assisted_start, assisted_begin, assisted_step, assisted_answer]
