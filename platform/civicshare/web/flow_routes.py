"""A service, page by page: start page, one page per form step, email, check your answers, payment
(sandbox) where there is a fee, and the confirmation panel."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.api.problems import Problem
from civicshare.modules import FormStep, check_step, fee_for
from civicshare.payments import PaymentStatus, UnknownPayment
from civicshare.web.flows import (
    CHECK_PAGE,
    CONTACT_STEP,
    Draft,
    email_problem,
    first_unfinished,
    page_after,
    record_payment,
    steps_in_order,
    submit,
)
from civicshare.web.offer import OfferedService
from civicshare.web.questions import Question, posted_values, questions_for, shown_answer, validation_data
from civicshare.web.service import Row
from civicshare.web.site import FieldError, WebRequest

DRAFTS = "drafts"
DONE = "submitted"


async def _offered(web: WebRequest, code: str) -> OfferedService:
    offered = await web.site.catalogue.service(web.council, code)
    if offered is None:
        raise Problem(
            404, "Page not found", f"{web.council.name} does not offer this service online.", name="not-found"
        )
    return offered


def _draft(web: WebRequest, code: str) -> Draft:
    drafts = web.session.get(DRAFTS) or {}
    return Draft.load(drafts.get(code) if isinstance(drafts, dict) else None)


def _keep(web: WebRequest, code: str, draft: Draft) -> None:
    drafts = dict(web.session.get(DRAFTS) or {})
    drafts[code] = draft.dump()
    web.session[DRAFTS] = drafts


def _data(offered: OfferedService, draft: Draft) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for step in offered.service.steps:
        data.update(validation_data(questions_for(step, offered.settings), draft.typed))
    return data


def _fee_text(pence: int) -> str:
    return f"£{pence / 100:,.2f}".replace(".00", "")


@get("/services/{code:str}")
async def start_page(web: NamedDependency[WebRequest], code: FromPath[str]) -> Response[Any]:
    offered = await _offered(web, code)
    first = offered.service.steps[0].code
    return web.page("start.html", current="services", offered=offered, first_step=first)


def _step(offered: OfferedService, step_code: str) -> FormStep:
    try:
        return offered.service.step(step_code)
    except KeyError:
        raise Problem(404, "Page not found", name="not-found") from None


def _back(web: WebRequest, offered: OfferedService, draft: Draft, step_code: str, change: bool) -> str:
    code = offered.service.code
    if change:
        return web.url(f"/services/{code}/{CHECK_PAGE}")
    codes = [step.code for step in steps_in_order(offered, _data(offered, draft))] + [CONTACT_STEP]
    index = codes.index(step_code) if step_code in codes else 0
    return web.url(f"/services/{code}/{codes[index - 1]}" if index > 0 else f"/services/{code}")


def _step_page(
    web: WebRequest,
    offered: OfferedService,
    draft: Draft,
    step_code: str,
    questions: list[Question],
    values: dict[str, str],
    errors: list[FieldError],
    change: bool,
    status: int = 200,
) -> Response[Any]:
    title = questions[0].label if len(questions) == 1 else offered.service.step(step_code).title
    return web.page(
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
    )


CONTACT_QUESTION = Question(
    name="email",
    kind="text",
    label="What is your email address?",
    hint="We will show your reference on the next pages. You need it, and this email address, to track your request.",
)


@get("/services/{code:str}/{step_code:str}")
async def step_form(
    web: NamedDependency[WebRequest], code: FromPath[str], step_code: FromPath[str], change: FromQuery[str] = ""
) -> Response[Any]:
    offered = await _offered(web, code)
    draft = _draft(web, code)
    if step_code == CHECK_PAGE:
        return await _check_page(web, offered, draft)
    if step_code == "confirmation":
        return _confirmation(web, offered)
    if step_code == CONTACT_STEP:
        email = draft.email or (web.resident.email if web.resident else "")
        return _step_page(web, offered, draft, CONTACT_STEP, [CONTACT_QUESTION], {"email": email}, [], bool(change))
    questions = questions_for(_step(offered, step_code), offered.settings)
    return _step_page(web, offered, draft, step_code, questions, draft.typed, [], bool(change))


@post("/services/{code:str}/{step_code:str}")
async def step_answer(
    web: NamedDependency[WebRequest], code: FromPath[str], step_code: FromPath[str], change: FromQuery[str] = ""
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
    step = _step(offered, step_code)
    questions = questions_for(step, offered.settings)
    typed = posted_values(questions, posted)
    checked = check_step(step, validation_data(questions, typed), settings=offered.settings)
    draft.typed.update(typed)
    _keep(web, code, draft)  # answers are kept even when they need correcting
    if not checked.ok:
        order = [question.name for question in questions]
        dates = {question.name for question in questions if question.kind == "date"}
        found = ((field.split(".")[0], message) for field, message in checked.errors.items())
        errors = sorted(
            (FieldError(name, message, f"{name}-day" if name in dates else None) for name, message in found),
            key=lambda error: order.index(error.field) if error.field in order else len(order),
        )
        return _step_page(web, offered, draft, step_code, questions, draft.typed, errors, bool(change), 400)
    following = page_after(offered, _data(offered, draft), step_code)
    if change and first_unfinished(offered, _data(offered, draft), draft.email) is None:
        following = CHECK_PAGE
    return web.redirect(f"/services/{code}/{following}")


async def _check_page(web: WebRequest, offered: OfferedService, draft: Draft) -> Response[Any]:
    code = offered.service.code
    data = _data(offered, draft)
    unfinished = first_unfinished(offered, data, draft.email)
    if unfinished is not None:
        return web.redirect(f"/services/{code}/{unfinished}")
    sections = []
    answers: dict[str, Any] = {}
    for step in steps_in_order(offered, data):
        checked = check_step(step, data, settings=offered.settings)
        answers.update(checked.answers)
        rows = [
            Row(
                question.label,
                shown_answer(question, checked.answers.get(question.name)),
                web.url(f"/services/{code}/{step.code}?change=1"),
                question.label.lower().rstrip("?"),
            )
            for question in questions_for(step, offered.settings)
        ]
        sections.append((step.title, rows))
    sections.append(
        (
            "Your contact details",
            [Row("Email address", draft.email, web.url(f"/services/{code}/{CONTACT_STEP}?change=1"), "email address")],
        )
    )
    fee = fee_for(offered.service, answers, offered.settings)
    return web.page(
        "check.html",
        current="services",
        offered=offered,
        sections=sections,
        fee=_fee_text(fee) if fee else None,
        back=web.url(f"/services/{code}/{CONTACT_STEP}"),
    )


async def _send(web: WebRequest, offered: OfferedService, draft: Draft) -> Response[Any]:
    code = offered.service.code
    data = _data(offered, draft)
    if first_unfinished(offered, data, draft.email) is not None:
        done = web.session.get(DONE) or {}
        if isinstance(done, dict) and done.get("service") == code:
            return web.redirect(f"/services/{code}/confirmation")  # sent twice: the first one counts
        return web.redirect(f"/services/{code}/{CHECK_PAGE}")
    engine = web.site.services.database.engine
    submitted = await submit(engine, web.council, offered, data, draft.email, web.resident)
    drafts = dict(web.session.get(DRAFTS) or {})
    drafts.pop(code, None)
    web.session[DRAFTS] = drafts
    web.session[DONE] = {
        "service": code,
        "reference": submitted.reference,
        "respond_by": submitted.respond_by,
        "fee": submitted.fee_pence,
        "paid": False,
    }
    if not submitted.fee_pence:
        return web.redirect(f"/services/{code}/confirmation")
    payment = await web.site.payments.create_payment(
        submitted.fee_pence,
        submitted.reference,
        f"{offered.service.title}, {web.council.name}",
        web.url(f"/services/{code}/payment-return/{submitted.reference}"),
    )
    web.session[DONE] = {**web.session.get(DONE), "payment_id": payment.id}
    return web.redirect(f"/pay/sandbox/{payment.id}")


def _confirmation(web: WebRequest, offered: OfferedService) -> Response[Any]:
    done = web.session.get(DONE)
    if not isinstance(done, dict) or done.get("service") != offered.service.code:
        return web.redirect(f"/services/{offered.service.code}")
    return web.page(
        "confirmation.html",
        current="services",
        offered=offered,
        done=done,
        fee=_fee_text(done["fee"]) if done.get("fee") else None,
    )


@get("/services/{code:str}/payment-return/{reference:str}")
async def payment_return(
    web: NamedDependency[WebRequest], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    offered = await _offered(web, code)
    done = web.session.get(DONE)
    if not isinstance(done, dict) or done.get("reference") != reference or not done.get("payment_id"):
        raise Problem(404, "Page not found", name="not-found")
    status = await web.site.payments.get_status(done["payment_id"])
    paid = status is PaymentStatus.SUCCESS
    await record_payment(web.site.services.database.engine, web.council, offered, reference, done["payment_id"], paid)
    if paid:
        web.session[DONE] = {**done, "paid": True}
        return web.redirect(f"/services/{code}/confirmation")
    return web.page(
        "payment_failed.html",
        status=402 if status is PaymentStatus.DECLINED else 200,
        current="services",
        offered=offered,
        reference=reference,
        declined=status is PaymentStatus.DECLINED,
        fee=_fee_text(int(done.get("fee") or 0)),
    )


@post("/services/{code:str}/payment-retry/{reference:str}")
async def payment_retry(
    web: NamedDependency[WebRequest], code: FromPath[str], reference: FromPath[str]
) -> Response[Any]:
    offered = await _offered(web, code)
    await web.form()
    done = web.session.get(DONE)
    if not isinstance(done, dict) or done.get("reference") != reference or done.get("paid"):
        raise Problem(404, "Page not found", name="not-found")
    payment = await web.site.payments.create_payment(
        int(done["fee"]),
        reference,
        f"{offered.service.title}, {web.council.name}",
        web.url(f"/services/{code}/payment-return/{reference}"),
    )
    web.session[DONE] = {**done, "payment_id": payment.id}
    return web.redirect(f"/pay/sandbox/{payment.id}")


# -- the sandbox payment pages (no money moves) ---------------------------------------------------------


@get("/pay/sandbox/{payment_id:str}")
async def sandbox_payment(web: NamedDependency[WebRequest], payment_id: FromPath[str]) -> Response[Any]:
    try:
        payment = web.site.payments.payment(payment_id)
    except UnknownPayment:
        raise Problem(404, "Page not found", name="not-found") from None
    return web.page(
        "sandbox_payment.html",
        current="services",
        payment=payment,
        amount=_fee_text(payment.amount_pence),
        answers={"card_number": ""},
    )


@post("/pay/sandbox/{payment_id:str}")
async def sandbox_pay(web: NamedDependency[WebRequest], payment_id: FromPath[str]) -> Response[Any]:
    posted = await web.form()
    try:
        payment = web.site.payments.payment(payment_id)
    except UnknownPayment:
        raise Problem(404, "Page not found", name="not-found") from None
    card = posted.get("card_number", "").strip()
    if not card:
        return web.page(
            "sandbox_payment.html",
            status=400,
            current="services",
            payment=payment,
            amount=_fee_text(payment.amount_pence),
            answers={"card_number": card},
            errors=[FieldError("card_number", "Enter a card number")],
        )
    if payment.status.finished:
        return web.redirect(payment.return_url.removeprefix(web.root))
    return web.redirect(web.site.payments.pay_with_card(payment_id, card).removeprefix(web.root))


FLOW_HANDLERS = [start_page, step_form, step_answer, payment_return, payment_retry, sandbox_payment, sandbox_pay]
