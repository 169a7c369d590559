"""The form's photos page (`web.photo_step`): what it shows, what its answers do, and handing the
photos over once the request is sent."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from litestar import Response
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import Offering
from civicshare.storage import StorageUnavailable
from civicshare.transactions.attachments import (
    AttachmentsRefused,
    StagedFiles,
    UploadedFile,
    record_staged,
    stage_files,
)
from civicshare.transactions.submission import SubmissionResult
from civicshare.web.flows import AfterSending, Draft
from civicshare.web.photo_step import PHOTOS_STEP, PendingPhotos
from civicshare.web.photos import FIELD, accept_types
from civicshare.web.service import Row
from civicshare.web.site import FieldError, WebRequest

log = logging.getLogger(__name__)


def pending_for(web: WebRequest, draft: Draft) -> PendingPhotos:
    return PendingPhotos(web.site.services.files, web.council, draft.key)


async def photos_page(
    web: WebRequest,
    offered: Offering,
    back: str,
    draft: Draft,
    change: bool,
    error: str | None = None,
) -> Response[Any]:
    policy = offered.service.attachments
    assert policy is not None
    return web.page(
        "photos.html",
        status=400 if error else 200,
        current="services",
        offered=offered,
        policy=policy,
        step_code=PHOTOS_STEP,
        waiting=await pending_for(web, draft).waiting(),
        field=FIELD,
        accept=accept_types(policy),
        change=change,
        back=back,
        errors=[FieldError(FIELD, error)] if error else [],
    )


async def uploaded_files(web: WebRequest) -> tuple[list[UploadedFile], str | None]:
    """The files chosen (a browser sends an empty part when none is), and the photo to remove if any."""
    form = await web.request.form()
    files = [
        UploadedFile(value.filename, await value.read())
        for _, value in form.multi_items()
        if isinstance(value, UploadFile) and value.filename
    ]
    remove = form.get("remove")
    return files, remove if isinstance(remove, str) and remove else None


async def keep_photos(web: WebRequest, offered: Offering, draft: Draft, files: list[UploadedFile]) -> str | None:
    """Keep the chosen photos with the draft; the GOV.UK message for the upload field if refused."""
    if not files:
        return None
    try:
        await pending_for(web, draft).add(offered.service, files)
    except AttachmentsRefused as refused:
        key, message = next(iter(refused.errors.items()))
        if key.startswith("attachments.") and len(files) > 1:
            return f"{files[int(key.split('.')[1])].filename}: {message}"
        return message
    return None


async def photo_section(web: WebRequest, offered: Offering, draft: Draft) -> tuple[str, list[Row]]:
    """Check your answers: the photos waiting to be sent, and where to change them."""
    policy = offered.service.attachments
    assert policy is not None
    names = "\n".join(photo.filename for photo in (await pending_for(web, draft).waiting())) or "None added"
    href = web.url(f"/services/{offered.service.code}/{PHOTOS_STEP}?change=1")
    return f"{policy.noun.capitalize()}s", [Row(f"{policy.noun.capitalize()}s", names, href, f"{policy.noun}s")]


async def photos_to_send(web: WebRequest, offered: Offering, draft: Draft) -> StagedFiles | None:
    """The draft's photos, written under their final keys before the request is sent: a file store out
    of reach (StorageUnavailable) sends nothing, so the resident sees the unavailable page and sends
    again, answers and photos still waiting; and no database connection waits on the store. A photo the
    policy now refuses is logged and the request is sent without it (the confirmation page can add photos)."""
    if offered.service.attachments is None:
        return None
    pending = pending_for(web, draft)
    files = await pending.files()
    if not files:
        return None
    try:
        return await stage_files(
            web.site.services.files, web.council, offered.service, f"form-{pending.folder}", files, already=0
        )
    except AttachmentsRefused:
        log.exception(
            "photos added in the form could not be attached to the request sent from draft %s", pending.folder
        )
        return None


def photos_with_the_request(offered: Offering, staged: StagedFiles | None) -> AfterSending | None:
    """Record the staged photos in the submission's own transaction (the caller discards them if it
    does not commit, or if the request had been sent before)."""
    if staged is None:
        return None

    async def attach(connection: AsyncConnection, sent: SubmissionResult) -> None:
        await record_staged(connection, offered.service, sent.transaction_id, staged)

    return attach


async def forget_photos_sent(web: WebRequest, offered: Offering, draft: Draft) -> None:
    """The draft's waiting photos, once its request is committed (left behind if the store is down)."""
    if offered.service.attachments is not None:
        with contextlib.suppress(StorageUnavailable):
            await pending_for(web, draft).discard()
