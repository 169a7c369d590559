"""The email API's bodies and answers (council administrators' API and the operators' admin API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from civicshare.notifications.email.message import CouncilEmailSettings
from civicshare.notifications.email.store import MessageRecord, StoredTemplate
from civicshare.notifications.email.wording import BODY_MAX_LENGTH, PLACEHOLDERS, SUBJECT_MAX_LENGTH


class TemplateBody(Struct, forbid_unknown_fields=True):
    subject: Annotated[str, Meta(max_length=SUBJECT_MAX_LENGTH * 2)]
    body_text: Annotated[str, Meta(max_length=BODY_MAX_LENGTH * 2)]
    body_html: Annotated[str, Meta(max_length=BODY_MAX_LENGTH * 2)] | None = None


class TemplateResource(Struct):
    kind: str
    name: str
    subject: str
    body_text: str
    body_html: str | None
    is_default: bool
    placeholders: dict[str, str]  # what each placeholder this kind may use stands for
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, stored: StoredTemplate, name: str) -> TemplateResource:
        template = stored.template
        return cls(
            kind=template.kind.value,
            name=name,
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            is_default=stored.is_default,
            placeholders=dict(PLACEHOLDERS[template.kind]),
            updated_by=stored.updated_by,
            updated_at=stored.updated_at,
        )


class PreviewResource(Struct):
    subject: str
    text: str
    html: str


class EmailSettingsBody(Struct, forbid_unknown_fields=True):
    reply_to: Annotated[str, Meta(max_length=254)] | None = None
    admin_addresses: Annotated[list[Annotated[str, Meta(max_length=254)]], Meta(max_length=50)] = []
    notify_template_ids: dict[Annotated[str, Meta(max_length=40)], Annotated[str, Meta(max_length=64)]] = {}
    notify_reply_to_id: Annotated[str, Meta(max_length=64)] | None = None
    sms_template_ids: dict[Annotated[str, Meta(max_length=40)], Annotated[str, Meta(max_length=64)]] = {}
    trial_phone_numbers: Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=50)] = []


class EmailSettingsResource(Struct):
    reply_to: str | None
    admin_addresses: list[str]
    notify_template_ids: dict[str, str]
    notify_reply_to_id: str | None
    sms_template_ids: dict[str, str]  # GOV.UK Notify SMS template id by kind of message: texts of those kinds
    trial_phone_numbers: list[str]  # the staff numbers texts go to while the council is in trial mode

    @classmethod
    def of(cls, chosen: CouncilEmailSettings) -> EmailSettingsResource:
        return cls(
            chosen.reply_to,
            list(chosen.admin_addresses),
            dict(chosen.notify_template_ids),
            chosen.notify_reply_to_id,
            dict(chosen.sms_template_ids),
            list(chosen.trial_phone_numbers),
        )


class MessageResource(Struct):
    id: int
    event_id: str
    kind: str
    reference: str | None
    recipient: str
    subject: str
    status: str  # sending, retrying, sent, held (trial mode), failed (refused for good)
    why: str | None
    held_text: str | None  # what a message held back in trial mode would have said
    provider: str | None
    provider_message_id: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: MessageRecord) -> MessageResource:
        return cls(**{name: getattr(record, name) for name in cls.__struct_fields__})
