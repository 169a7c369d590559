"""What a council's administrators (and operators) do with its email: read, check, preview and save
templates; set the reply-to address and Notify ids; read what was sent. Each takes the council's
routed connection, so nothing here reaches another council."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules import is_uk_phone_number
from civicshare.notifications.email import store
from civicshare.notifications.email.message import PLATFORM_MESSAGE, CouncilEmailSettings, compose
from civicshare.notifications.email.trial import same_phone_number
from civicshare.notifications.email.wording import (
    EMAILED_KINDS,
    PLACEHOLDERS,
    SAMPLE_VALUES,
    MessageTemplate,
    TemplateProblem,
    check_template,
)
from civicshare.notifications.events import EventKind
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.submission import valid_email

MAX_ADMIN_ADDRESSES = 20
KIND_NAMES: dict[EventKind, str] = {
    EventKind.SUBMITTED: "Confirmation of a new request",
    EventKind.STATUS_CHANGED: "Update when a request's status changes",
    EventKind.PUBLIC_UPDATE: "Update when the council adds a public update to a request",
    EventKind.TRANSFERRED: "Notice that a request was sent to the council responsible",
}


class UnknownKind(LookupError):
    pass


def kind_of(text: str) -> EventKind:
    """An emailed kind of message from its name (`request.submitted`); UnknownKind otherwise."""
    for kind in EMAILED_KINDS:
        if kind.value == text:
            return kind
    raise UnknownKind(text)


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str


def preview(council: TenantContext, template: MessageTemplate, chosen: CouncilEmailSettings) -> Preview:
    """The message as a resident would get it, with sample values and the council's own name and colours."""
    check_template(template)
    values = {name: SAMPLE_VALUES[name] for name in PLACEHOLDERS[template.kind]}
    values["council_name"] = council.name
    email = compose(council, template, values, to="resident@example.org", message_key="preview", settings=chosen)
    return Preview(email.subject, email.text, email.html)


def check_settings(
    reply_to: str | None,
    admin_addresses: Sequence[str],
    notify_template_ids: Mapping[str, str],
    notify_reply_to_id: str | None,
    sms_template_ids: Mapping[str, str] | None = None,
    trial_phone_numbers: Sequence[str] = (),
) -> CouncilEmailSettings:
    """The settings, cleaned; TemplateProblem (field -> why) if any is wrong."""
    errors: dict[str, str] = {}
    reply_to = (reply_to or "").strip() or None
    if reply_to is not None and not valid_email(reply_to):
        errors["reply_to"] = "Enter the reply-to address in the correct format, like enquiries@council.gov.uk"
    addresses = [address.strip().lower() for address in admin_addresses if address.strip()]
    if len(addresses) > MAX_ADMIN_ADDRESSES:
        errors["admin_addresses"] = f"Give at most {MAX_ADMIN_ADDRESSES} addresses"
    elif bad := [address for address in addresses if not valid_email(address)]:
        errors["admin_addresses"] = f"Not an email address: {', '.join(bad[:3])}"
    known = {kind.value for kind in EMAILED_KINDS} | {PLATFORM_MESSAGE}
    ids: dict[str, str] = {}
    for kind, template_id in notify_template_ids.items():
        if kind not in known:
            errors[f"notify_template_ids.{kind}"] = f"Not a kind of message; the kinds are {', '.join(sorted(known))}"
        elif template_id.strip():
            if not _is_uuid(template_id):
                errors[f"notify_template_ids.{kind}"] = "A GOV.UK Notify template id looks like a UUID"
            ids[kind] = template_id.strip()
    notify_reply_to_id = (notify_reply_to_id or "").strip() or None
    if notify_reply_to_id is not None and not _is_uuid(notify_reply_to_id):
        errors["notify_reply_to_id"] = "A GOV.UK Notify reply-to id looks like a UUID"
    texts: dict[str, str] = {}
    for kind, template_id in (sms_template_ids or {}).items():
        if kind not in known - {PLATFORM_MESSAGE}:
            kinds = ", ".join(sorted(known - {PLATFORM_MESSAGE}))
            errors[f"sms_template_ids.{kind}"] = f"Not a kind of message; the kinds are {kinds}"
        elif template_id.strip():
            if not _is_uuid(template_id):
                errors[f"sms_template_ids.{kind}"] = "A GOV.UK Notify template id looks like a UUID"
            texts[kind] = template_id.strip()
    numbers = [number.strip() for number in trial_phone_numbers if number.strip()]
    if len(numbers) > MAX_ADMIN_ADDRESSES:
        errors["trial_phone_numbers"] = f"Give at most {MAX_ADMIN_ADDRESSES} numbers"
    elif bad_numbers := [number for number in numbers if not is_uk_phone_number(number)]:
        errors["trial_phone_numbers"] = f"Not a UK phone number: {', '.join(bad_numbers[:3])}"
    if errors:
        raise TemplateProblem(errors)
    return CouncilEmailSettings(
        reply_to,
        tuple(dict.fromkeys(addresses)),
        ids,
        notify_reply_to_id,
        texts,
        tuple(dict.fromkeys(same_phone_number(number) for number in numbers)),
    )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


async def save_settings(connection: AsyncConnection, chosen: CouncilEmailSettings, updated_by: str) -> None:
    await store.save_settings(connection, chosen, updated_by)


__all__ = ["KIND_NAMES", "Preview", "TemplateProblem", "UnknownKind", "check_settings", "kind_of", "preview"]
