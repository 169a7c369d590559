"""`/demo-mail`: the emails the demo's mail sink caught, on the platform's own address, so a person
trying the demo reads what a resident would get. Exists only while `mail_capture_dir` is set (the demo
sets it; production refuses it). Councils start on trial, emailing only their staff: the page also
shows what the emails they held back would have said."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.notifications.email.capture import CapturedMail, captured_mail, one_captured
from civicshare.notifications.email.store import MessageRecord, messages_of
from civicshare.policy import PUBLIC
from civicshare.web.site import WebRequest

DEMO_MAIL = "/demo-mail"


def _not_here() -> Problem:
    return Problem(404, "Page not found", "This platform does not capture email.", name="not-found")


def _directory(web: WebRequest) -> Path:
    directory = web.site.services.settings.mail_capture_dir
    if directory is None or web.tenant is not None:  # the platform's own address only
        raise _not_here()
    return directory


def _message(web: WebRequest, mail_id: str) -> CapturedMail:
    found = one_captured(_directory(web), mail_id)
    if found is None:
        raise Problem(404, "Email not found", "The mail sink has no such email.", name="captured-mail-not-found")
    return found


async def held_back(web: WebRequest, *, per_council: int = 20, most: int = 50) -> list[tuple[str, MessageRecord]]:
    """Emails councils on trial held back, every council's, newest first: what residents would have got."""
    services = web.site.services
    held: list[tuple[str, MessageRecord]] = []
    for council in await services.directory.all():
        if not council.is_trial:
            continue
        async with tenant_connection(services.database.engine, council) as connection:
            records = await messages_of(connection, status="held", limit=per_council)
        held += [(council.name, record) for record in records]
    held.sort(key=lambda pair: pair[1].created_at, reverse=True)
    return held[:most]


@get(DEMO_MAIL, opt=PUBLIC)
async def demo_mail(web: NamedDependency[WebRequest]) -> Response[Any]:
    directory = _directory(web)
    return web.page("demo_mail.html", messages=captured_mail(directory), held=await held_back(web))


@get(DEMO_MAIL + "/{mail_id:str}", opt=PUBLIC)
async def demo_mail_message(web: NamedDependency[WebRequest], mail_id: FromPath[str]) -> Response[Any]:
    return web.page("demo_mail_message.html", message=_message(web, mail_id))


@get(DEMO_MAIL + "/{mail_id:str}/html", opt=PUBLIC)
async def demo_mail_html(web: NamedDependency[WebRequest], mail_id: FromPath[str]) -> Response[str]:
    """The HTML version as a mail reader shows it: sandboxed, no scripts, nothing fetched."""
    message = _message(web, mail_id)
    if message.html is None:
        raise Problem(404, "No HTML version", "This email has only plain text.", name="captured-mail-not-found")
    return Response(
        message.html,
        media_type=MediaType.HTML,
        headers={"content-security-policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"},
    )


DEMO_MAIL_HANDLERS = [demo_mail, demo_mail_message, demo_mail_html]
