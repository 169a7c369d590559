"""A service, page by page: start page, one page per form step, email, check your answers, payment
where there is a fee (the platform's provider: the sandbox's `/sandbox-payments/` pages by default),
and the confirmation panel, where photos can be added to a service that takes them (`web.photos`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.api.identity import origin_of
from civicshare.catalogue.service import Offering
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.modules import FormStep, check_step, fee_for
from civicshare.modules.working_days import uk_today
from civicshare.payments import PaymentFailed, PaymentStatus
from civicshare.policy import PUBLIC
from civicshare.ratelimits.limits import Traffic, rate_limits_of
from civicshare.ratelimits.middleware import rate_limited
from civicshare.savings.feedback import read_feedback, store_feedback
from civicshare.savings.journeys import count_journey_start, count_request_sent
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.attachments import MAX_UPLOAD_BYTES, UploadedFile
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.submission import SubmissionInvalid
from civicshare.transactions.views import NOT_KNOWN_YET, NOT_STARTED, payment_unavailable
from civicshare.web.address_step import (
    CHOOSE,
    FIND,
    chosen_answers,
    chosen_data,
    find,
    find_page,
    finds_address,
    is_finding,
    typed_by_hand,
    was_typed_by_hand,
)
from civicshare.web.feedback import FEEDBACK_GIVEN, feedback_form
from civicshare.web.flows import (
    CHECK_PAGE,
    CONTACT_STEP,
    Draft,
    answer_sections,
    checked_answers,
    email_problem,
    first_unfinished,
    form_step,
    page_after,
    page_before,
    payment_came_back,
    ruled_out,
    send,
    start_paying,
    typed_data,
    uk_day,
)
from civicshare.web.nearby import reports_near_pin
from civicshare.web.photo_pages import (
    forget_photos_sent,
    keep_photos,
    pending_for,
    photo_section,
    photos_page,
    photos_to_send,
    photos_with_the_request,
    uploaded_files,
)
from civicshare.web.photo_step import PHOTOS_STEP
from civicshare.web.photos import FIELD as PHOTO_FIELD
from civicshare.web.photos import add_photos, photo_panel
from civicshare.web.pins import map_values, pin_data, posted_pin, takes_pin, with_tile_images
from civicshare.web.questions import Question, posted_values, questions_for, validation_data
from civicshare.web.right_council import handover_url, outside_words, place_outside
from civicshare.web.service import Row
from civicshare.web.site import FieldError, WebRequest
from civicshare.web.start_page import start_page as start_page_of

log = logging.getLogger(__name__)
DRAFTS = "drafts"
DONE = "submitted"


async def _offered(web: WebRequest, code: str) -> Offering:
    offered = await web.site.catalogue.service(web.council, code)
    if offered is None:
        raise Problem(
            404, "Page not found", f"{web.council.name} does not offer this service online.", name="not-found"
        )
    return offered


def _draft(web: WebRequest, code: str) -> Draft:
    drafts = web.flow.get(DRAFTS) or {}
    return Draft.load(drafts.get(code) if isinstance(drafts, dict) else None)


def _keep(web: WebRequest, code: str, draft: Draft) -> None:
    drafts = dict(web.flow.get(DRAFTS) or {})
    drafts[code] = draft.dump()
    web.flow[DRAFTS] = drafts


def _data(offered: Offering, draft: Draft) -> dict[str, Any]:
    return typed_data(offered, draft.typed)


def fee_text(pence: int) -> str:
    return f"£{pence / 100:,.2f}".replace(".00", "")


@get("/services/{code:str}", opt=PUBLIC)
async def start_page(web: NamedDependency[WebRequest], code: FromPath[str]) -> Response[Any]:
    offered = await _offered(web, code)
    first = offered.service.steps[0].code
    start = start_page_of(offered, web.council.contact)
    return web.shared_page(
        "start.html", (offered, start), current="services", offered=offered, first_step=first, start=start
    )


NOT_ELIGIBLE = "not-eligible"


@get("/services/{code:str}/not-eligible/{rule_code:str}", opt=PUBLIC)
async def exit_page(web: NamedDependency[WebRequest], code: FromPath[str], rule_code: FromPath[str]) -> Response[Any]:
    """Why the resident cannot have the service, and what to do instead (GOV.UK's exit page pattern)."""
    offered = await _offered(web, code)
    try:
        rule = offered.service.eligibility_rule(rule_code)
    except KeyError:
        raise Problem(404, "Page not found", name="not-found") from None
    return web.page(
        "exit.html",
        current="services",
        title=rule.title,
        offered=offered,
        rule=rule,
        back=web.url(f"/services/{code}/{rule.step}"),
    )


def _exit_if_ruled_out(web: WebRequest, offered: Offering, draft: Draft) -> Response[Any] | None:
    rule = ruled_out(offered, _data(offered, draft))
    if rule is None:
        return None
    return web.redirect(f"/services/{offered.service.code}/{NOT_ELIGIBLE}/{rule.code}")


def _back(web: WebRequest, offered: Offering, draft: Draft, step_code: str, change: bool) -> str:
    code = offered.service.code
    if change:
        return web.url(f"/services/{code}/{CHECK_PAGE}")
    before = page_before(offered, _data(offered, draft), step_code)
    return web.url(f"/services/{code}/{before}" if before else f"/services/{code}")


def _step_page(
    web: WebRequest,
    offered: Offering,
    draft: Draft,
    step_code: str,
    questions: list[Question],
    values: dict[str, str],
    errors: list[FieldError],
    change: bool,
    status: int = 200,
) -> Response[Any]:
    title = questions[0].label if len(questions) == 1 else offered.service.step(step_code).title
    pin_step = step_code != CONTACT_STEP and takes_pin(form_step(offered, step_code))
    page = web.page(
        "step.html",
        status=status,
        current="services",
        title=title,
        offered=offered,
        step_code=step_code,
        questions=questions,
        values=values,
        errors=errors,
        change=change,
        back=_back(web, offered, draft, step_code, change),
        pin_step=pin_step,
        **(map_values(web) if pin_step else {}),
    )
    return with_tile_images(page, web) if pin_step else page


CONTACT_QUESTION = Question(
    name="email",
    kind="text",
    label="What is your email address?",
    hint="We will show your reference on the next pages. You need it, and this email address, to track your request.",
)


@get("/services/{code:str}/{step_code:str}", opt=PUBLIC)
async def step_form(
    web: NamedDependency[WebRequest],
    code: FromPath[str],
    step_code: FromPath[str],
    change: FromQuery[str] = "",
    manual: FromQuery[str] = "",
) -> Response[Any]:
    offered = await _offered(web, code)
    draft = _draft(web, code)
    if step_code == CHECK_PAGE:
        return await _check_page(web, offered, draft)
    if step_code == "confirmation":
        return await _confirmation(web, offered)
    if step_code == CONTACT_STEP:
        email = draft.email or (web.resident.email or "" if web.resident else "")
        return _step_page(web, offered, draft, CONTACT_STEP, [CONTACT_QUESTION], {"email": email}, [], bool(change))
    step = form_step(offered, step_code)
    questions = questions_for(step, offered.settings)
    if step_code == offered.service.steps[0].code:
        await _count_start(web, code, draft)
    address = finds_address(step)
    if address is not None and not manual and not was_typed_by_hand(address, draft.typed):
        back = _back(web, offered, draft, step_code, bool(change))
        postcode = draft.typed.get(address.postcode, "")
        return find_page(web, offered, step, back=back, change=bool(change), postcode=postcode)
    return _step_page(web, offered, draft, step_code, questions, draft.typed, [], bool(change))


async def _count_start(web: WebRequest, code: str, draft: Draft) -> None:
    """A journey starts when a browser first opens the service's first question, not again while its
    draft is in the form's cookie (``savings.journeys``); a trial council's journeys never count."""
    drafts = web.flow.get(DRAFTS)
    if (isinstance(drafts, dict) and code in drafts) or web.council.is_trial:
        return
    _keep(web, code, draft)
    await _count(web, count_journey_start, code)


async def _count(web: WebRequest, counter: Callable[[AsyncConnection, date, str], Awaitable[None]], code: str) -> None:
    """Add to a journey counter; a counter that cannot be written never stops the resident's request."""
    try:
        async with tenant_connection(web.site.services.database.engine, web.council) as connection:
            await counter(connection, uk_today(), code)
    except SQLAlchemyError:
        log.exception("could not count a journey of %s at %s", code, web.council.slug)


@post("/services/{code:str}/{step_code:str}", opt=PUBLIC)
async def step_answer(
    web: NamedDependency[WebRequest],
    csrf_checked: NamedDependency[None],
    code: FromPath[str],
    step_code: FromPath[str],
    change: FromQuery[str] = "",
) -> Response[Any]:
    offered = await _offered(web, code)
    posted = await web.form()
    draft = _draft(web, code)
    if step_code == CHECK_PAGE:
        return await _send(web, offered, draft)
    if step_code == CONTACT_STEP:
        email = posted.get("email", "").strip()
        problem = email_problem(email)
        if problem:
            errors = [FieldError("email", problem)]
            values = {"email": email}
            return _step_page(web, offered, draft, CONTACT_STEP, [CONTACT_QUESTION], values, errors, bool(change), 400)
        draft.email = email
        _keep(web, code, draft)
        return web.redirect(f"/services/{code}/{CHECK_PAGE}")
    step = form_step(offered, step_code)
    questions = questions_for(step, offered.settings)
    address = finds_address(step)
    if address is not None and is_finding(posted):
        chosen = await _find_address(web, offered, draft, step, posted, bool(change))
        if isinstance(chosen, Response):
            return chosen
        typed = chosen
    else:
        typed = posted_values(questions, posted) | posted_pin(step, posted) | typed_by_hand(step)
    step_data = validation_data(questions, typed) | pin_data(step, typed) | chosen_data(step, typed)
    checked = check_step(step, step_data, settings=offered.settings)
    draft.typed.update(typed)
    _keep(web, code, draft)  # answers are kept even when they need correcting
    if not checked.ok:
        errors = step_errors(questions, checked.errors)
        return _step_page(web, offered, draft, step_code, questions, draft.typed, errors, bool(change), 400)
    if (exit_response := _exit_if_ruled_out(web, offered, draft)) is not None:
        return exit_response
    place = await place_outside(web, offered, step_data)
    if place is not None and place.outside.neighbours:
        return _elsewhere(web, offered, draft, step_code, place.outside.neighbours)
    if place is not None:
        errors = [FieldError(place.answer, outside_words(web, place))]
        return _step_page(web, offered, draft, step_code, questions, draft.typed, errors, bool(change), 400)
    following = page_after(offered, _data(offered, draft), step_code)
    if change and first_unfinished(offered, _data(offered, draft), draft.email) is None:
        following = CHECK_PAGE
    return web.redirect(f"/services/{code}/{following}")


def _elsewhere(
    web: WebRequest, offered: Offering, draft: Draft, step_code: str, neighbours: list[TenantContext]
) -> Response[Any]:
    """The place is another council's, one that offers this service: send the answers there."""
    links = [(other, handover_url(web, offered, draft, other)) for other in neighbours]
    back = web.url(f"/services/{offered.service.code}/{step_code}")
    return web.page("elsewhere.html", status=409, current="services", offered=offered, links=links, back=back)


async def _find_address(
    web: WebRequest, offered: Offering, draft: Draft, step: FormStep, posted: dict[str, str], change: bool
) -> Response[Any] | dict[str, str]:
    """The postcode's addresses to choose from, or the chosen one's answers (as if typed)."""
    questions = finds_address(step)
    assert questions is not None
    back = _back(web, offered, draft, step.code, change)
    found = await find(web, posted.get(FIND, ""))
    if found.outside:
        draft.typed[questions.postcode] = found.postcode  # carried to the council responsible
        _keep(web, offered.service.code, draft)
        outside = await web.site.services.area.postcode_outside(web.council, offered.service.code, found.postcode)
        if outside is not None and outside.neighbours:
            return _elsewhere(web, offered, draft, step.code, outside.neighbours)
    if found.error is not None:
        errors = [FieldError(FIND, found.error)]
        return find_page(web, offered, step, back=back, change=change, postcode=found.postcode, errors=errors)
    if CHOOSE not in posted:
        return find_page(web, offered, step, back=back, change=change, postcode=found.postcode, addresses=found.inside)
    chosen = next((address for address in found.inside if address.uprn == posted[CHOOSE]), None)
    if chosen is None:
        errors = [FieldError(CHOOSE, "Select an address")]
        return find_page(
            web, offered, step, back=back, change=change, postcode=found.postcode, addresses=found.inside, errors=errors
        )
    return chosen_answers(questions, chosen)


def step_errors(questions: list[Question], messages: dict[str, str]) -> list[FieldError]:
    """A step's messages in the order its questions are asked; a date's message focuses its day box."""
    order = [question.name for question in questions]
    dates = {question.name for question in questions if question.kind == "date"}
    found = ((field.split(".")[0], message) for field, message in messages.items())
    return sorted(
        (FieldError(name, message, f"{name}-day" if name in dates else None) for name, message in found),
        key=lambda error: order.index(error.field) if error.field in order else len(order),
    )


async def _check_page(
    web: WebRequest, offered: Offering, draft: Draft, errors: list[FieldError] | None = None, status: int = 200
) -> Response[Any]:
    code = offered.service.code
    data = _data(offered, draft)
    if (exit_response := _exit_if_ruled_out(web, offered, draft)) is not None:
        return exit_response
    unfinished = first_unfinished(offered, data, draft.email)
    if unfinished is not None:
        return web.redirect(f"/services/{code}/{unfinished}")
    try:
        answers = checked_answers(offered, data, draft.email, web.resident)
    except SubmissionInvalid:
        return web.redirect(f"/services/{code}/{offered.service.steps[0].code}")
    sections = answer_sections(offered, data, lambda step: web.url(f"/services/{code}/{step}?change=1"))
    if offered.service.attachments is not None:
        sections.append(await photo_section(web, offered, draft))
    sections.append(
        (
            "Your contact details",
            [Row("Email address", draft.email, web.url(f"/services/{code}/{CONTACT_STEP}?change=1"), "email address")],
        )
    )
    fee = fee_for(offered.service, answers, offered.settings)
    return web.page(
        "check.html",
        status=status,
        current="services",
        offered=offered,
        sections=sections,
        nearby=await reports_near_pin(web, offered, data),
        errors=errors or [],
        fee=fee_text(fee) if fee else None,
        back=web.url(f"/services/{code}/{CONTACT_STEP}"),
    )


async def _send(web: WebRequest, offered: Offering, draft: Draft) -> Response[Any]:
    code = offered.service.code
    data = _data(offered, draft)
    done = web.flow.get(DONE) or {}
    if first_unfinished(offered, data, draft.email) is not None:
        if isinstance(done, dict) and done.get("service") == code:
            return web.redirect(f"/services/{code}/confirmation")  # sent twice: the first one counts
        return web.redirect(f"/services/{code}/{CHECK_PAGE}")
    if (exit_response := _exit_if_ruled_out(web, offered, draft)) is not None:
        return exit_response
    # Only the last page's POST is a submission; every step's page posts to the same route.
    rate_limits_of(web.request.app.state).admit(web.request.scope, Traffic.SUBMISSIONS)
    engine = web.site.services.database.engine
    staged = await photos_to_send(web, offered, draft)
    try:
        sent = await send(
            engine, web.council, offered, draft, data, web.resident, then=photos_with_the_request(offered, staged)
        )
    except SubmissionInvalid:
        if staged is not None:
            await staged.discard()
        return web.redirect(f"/services/{code}/{CHECK_PAGE}")
    except BaseException:
        if staged is not None:
            await staged.discard()
        raise
    if staged is not None and not sent.created:
        await staged.discard()  # sent before, with its photos: these copies are named by no row
    await forget_photos_sent(web, offered, draft)
    if not web.council.is_trial:
        await _count(web, count_request_sent, code)
    drafts = dict(web.flow.get(DRAFTS) or {})
    drafts.pop(code, None)
    web.flow[DRAFTS] = drafts
    web.flow[DONE] = {
        "service": code,
        "reference": sent.reference,
        "respond_by": uk_day(sent.due_on),
        "fee": sent.fee_pence,
        "paid": not sent.awaiting_payment,
    }
    if not sent.awaiting_payment:
        return web.redirect(f"/services/{code}/confirmation")
    return await _pay(web, offered, sent.reference)


async def _pay(web: WebRequest, offered: Offering, reference: str) -> Response[Any]:
    """Off to the payment provider's pages (the sandbox's, on this council's address, by default)."""
    return_url = origin_of(web.request) + f"/services/{offered.service.code}/payment-return/{reference}"
    services = web.site.services
    try:
        payment = await start_paying(
            services.database.engine, web.council, offered, services.payments_for(web.council), reference, return_url
        )
    except PaymentFailed as failure:
        raise payment_unavailable(reference, NOT_STARTED) from failure
    return web.redirect(payment.next_url)


async def _confirmation(
    web: WebRequest,
    offered: Offering,
    photo_error: str | None = None,
    feedback_errors: list[FieldError] | None = None,
    feedback_typed: dict[str, str] | None = None,
) -> Response[Any]:
    done = web.flow.get(DONE)
    if not isinstance(done, dict) or done.get("service") != offered.service.code:
        return web.redirect(f"/services/{offered.service.code}")
    if not done.get("paid"):
        return web.redirect(f"/services/{offered.service.code}/payment-return/{done.get('reference')}")
    photos = None
    if offered.service.attachments is not None:
        async with tenant_connection(web.site.services.database.engine, web.council) as connection:
            transaction = await find_by_reference(connection, str(done["reference"]))
            photos = await photo_panel(connection, offered, transaction) if transaction else None
    errors = [FieldError(PHOTO_FIELD, photo_error)] if photo_error else []
    errors += feedback_errors or []
    return web.page(
        "confirmation.html",
        status=400 if errors else 200,
        current="services",
        offered=offered,
        done=done,
        fee=fee_text(done["fee"]) if done.get("fee") else None,
        photos=photos,
        photo_field=PHOTO_FIELD,
        errors=errors,
        feedback=feedback_form(given=bool(done.get(FEEDBACK_GIVEN)), typed=feedback_typed),
    )


def _sent_here(web: WebRequest, code: str, reference: str) -> dict[str, Any]:
    """What this browser sent: only the resident who made the request sees its payment pages."""
    done = web.flow.get(DONE)
    if not isinstance(done, dict) or done.get("service") != code or done.get("reference") != reference:
        raise Problem(404, "Page not found", name="not-found")
    return done


@get("/services/{code:str}/payment-return/{reference:str}", opt=PUBLIC)
async def payment_return(
    web: NamedDependency[WebRequest], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    offered = await _offered(web, code)
    done = _sent_here(web, code, reference)
    services = web.site.services
    try:
        provider = services.payments_for(web.council)
        outcome = await payment_came_back(services.database.engine, web.council, offered, provider, reference)
    except PaymentFailed as failure:
        raise payment_unavailable(reference, NOT_KNOWN_YET) from failure
    if outcome.confirmed:
        if not done.get("paid"):
            web.flow[DONE] = {**done, "paid": True}
        return web.redirect(f"/services/{code}/confirmation")
    declined = outcome.payment_status == PaymentStatus.DECLINED.value
    return web.page(
        "payment_failed.html",
        status=402 if declined else 200,
        current="services",
        offered=offered,
        reference=reference,
        declined=declined,
        fee=fee_text(int(done.get("fee") or 0)),
    )


@post("/services/{code:str}/payment-retry/{reference:str}", opt=PUBLIC)
async def payment_retry(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    offered = await _offered(web, code)
    done = _sent_here(web, code, reference)
    if done.get("paid"):
        return web.redirect(f"/services/{code}/confirmation")
    return await _pay(web, offered, reference)


@get(f"/services/{{code:str}}/{PHOTOS_STEP}", opt=PUBLIC)
async def photos_form(
    web: NamedDependency[WebRequest], code: FromPath[str], change: FromQuery[str] = ""
) -> Response[Any]:
    """The form's photos page, for a service that takes photos (its path is its own: uploads are larger)."""
    offered = await _offered(web, code)
    if offered.service.attachments is None:
        raise Problem(404, "Page not found", name="not-found")
    draft = _draft(web, code)
    return await photos_page(web, offered, _back(web, offered, draft, PHOTOS_STEP, bool(change)), draft, bool(change))


@post(
    f"/services/{{code:str}}/{PHOTOS_STEP}",
    request_max_body_size=MAX_UPLOAD_BYTES,
    middleware=[rate_limited(Traffic.UPLOADS)],
    opt=PUBLIC,
)
async def add_photos_in_form(
    web: NamedDependency[WebRequest],
    csrf_checked: NamedDependency[None],
    code: FromPath[str],
    change: FromQuery[str] = "",
) -> Response[Any]:
    """The form's photos page: keep the chosen photos with the draft (or remove one), then go on."""
    offered = await _offered(web, code)
    if offered.service.attachments is None:
        raise Problem(404, "Page not found", name="not-found")
    draft = _draft(web, code)
    _keep(web, code, draft)  # the draft's key names the folder its photos wait in
    files, remove = await uploaded_files(web)
    refused = await keep_photos(web, offered, draft, files)
    back = _back(web, offered, draft, PHOTOS_STEP, bool(change))
    if refused is not None:
        return await photos_page(web, offered, back, draft, bool(change), error=refused)
    if remove is not None:
        await pending_for(web, draft).remove(remove)
        return await photos_page(web, offered, back, draft, bool(change))
    policy = offered.service.attachments
    # A required document (a permit's proof of residency) before the form goes on.
    if policy is not None and policy.required and not await pending_for(web, draft).waiting():
        return await photos_page(web, offered, back, draft, bool(change), error=f"Select a {policy.noun} to upload")
    following = page_after(offered, _data(offered, draft), PHOTOS_STEP)
    if change and first_unfinished(offered, _data(offered, draft), draft.email) is None:
        following = CHECK_PAGE
    return web.redirect(f"/services/{code}/{following}")


@post(
    "/services/{code:str}/photos/{reference:str}",
    request_max_body_size=MAX_UPLOAD_BYTES,
    middleware=[rate_limited(Traffic.UPLOADS)],
    opt=PUBLIC,
)
async def add_photos_page(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    """Photos added on the confirmation page, by the browser that sent the request."""
    offered = await _offered(web, code)
    _sent_here(web, code, reference)
    form = await web.request.form()
    files = [
        UploadedFile(value.filename, await value.read())
        for _, value in form.multi_items()
        if isinstance(value, UploadFile) and value.filename  # a browser sends an empty part when none is chosen
    ]
    services = web.site.services
    refused = await add_photos(services.database.engine, web.council, services.files, offered, reference, files)
    if refused is None:
        return web.redirect(f"/services/{code}/confirmation")
    return await _confirmation(web, offered, photo_error=refused)


@post("/services/{code:str}/feedback/{reference:str}", middleware=[rate_limited(Traffic.SUBMISSIONS)], opt=PUBLIC)
async def send_feedback(
    web: NamedDependency[WebRequest], csrf_checked: NamedDependency[None], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    """The confirmation page's feedback question, once per request, from the browser that sent it."""
    offered = await _offered(web, code)
    done = _sent_here(web, code, reference)
    if done.get(FEEDBACK_GIVEN):
        return web.redirect(f"/services/{code}/confirmation")
    form = await web.form()
    answer = read_feedback(form.get("rating", ""), form.get("comment", ""))
    if isinstance(answer, list):
        errors = [FieldError(problem.field, problem.message) for problem in answer]
        return await _confirmation(web, offered, feedback_errors=errors, feedback_typed=form)
    if not web.council.is_trial:
        async with tenant_connection(web.site.services.database.engine, web.council) as connection:
            await store_feedback(connection, uk_today(), code, answer)
    web.flow[DONE] = {**done, FEEDBACK_GIVEN: True}
    return web.redirect(f"/services/{code}/confirmation")


FLOW_HANDLERS = [
    start_page,
    exit_page,
    step_form,
    photos_form,
    add_photos_in_form,
    step_answer,
    payment_return,
    payment_retry,
    add_photos_page,
    send_feedback,
]
