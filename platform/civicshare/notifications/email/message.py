"""One email as the providers receive it: addressed, worded in plain text and HTML, in the council's colours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from civicshare.notifications.email.formatting import html_fragment, plain_text
from civicshare.notifications.email.wording import MessageTemplate, fill
from civicshare.tenancy.context import TenantContext

_layouts = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


@dataclass(frozen=True)
class OutgoingEmail:
    """`message_key` is the same for every attempt at one message (the event's stable id): providers
    carry it (Message-ID, Notify's reference) so a receiver can tell a repeat."""

    council: str
    message_key: str
    kind: str
    to: str
    from_name: str
    subject: str
    text: str
    html: str
    reply_to: str | None = None
    personalisation: Mapping[str, str] = field(default_factory=dict)  # the placeholders' values (Notify)
    notify_template_id: str | None = None
    notify_reply_to_id: str | None = None


@dataclass(frozen=True)
class CouncilEmailSettings:
    reply_to: str | None = None
    admin_addresses: tuple[str, ...] = ()
    notify_template_ids: Mapping[str, str] = field(default_factory=dict)
    notify_reply_to_id: str | None = None
    sms_template_ids: Mapping[str, str] = field(default_factory=dict)  # GOV.UK Notify SMS templates, by kind
    trial_phone_numbers: tuple[str, ...] = ()  # the staff numbers a council in trial mode may text


PLATFORM_MESSAGE = "platform.message"  # Notify: a template of "((subject))" and "((body))" for these


def _layout(council: TenantContext, subject: str, body: Markup, reply_to: str | None) -> str:
    return _layouts.get_template("email/layout.html").render(
        subject=subject,
        council_name=council.name,
        primary_colour=council.branding.primary_colour,
        text_colour=council.branding.text_colour,
        reply_to=reply_to,
        body=body,
    )


def compose_platform_message(
    council: TenantContext, subject: str, body: str, *, to: str, message_key: str, settings: CouncilEmailSettings
) -> OutgoingEmail:
    """A message from the platform to the council's own people (not a council template)."""
    return OutgoingEmail(
        council=council.slug,
        message_key=message_key,
        kind=PLATFORM_MESSAGE,
        to=to,
        from_name=f"{council.name} (civicshare)",
        subject=subject,
        text=plain_text(body),
        html=_layout(council, subject, html_fragment(body, accent=council.branding.primary_colour), None),
        personalisation={"subject": subject, "body": plain_text(body)},
        notify_template_id=settings.notify_template_ids.get(PLATFORM_MESSAGE),
    )


def compose(
    council: TenantContext,
    template: MessageTemplate,
    values: Mapping[str, str],
    *,
    to: str,
    message_key: str,
    settings: CouncilEmailSettings,
) -> OutgoingEmail:
    filled = fill(template, values)
    branding = council.branding
    # The council's own HTML was filled in with autoescaping on: the placeholders' values are escaped.
    own = Markup(filled.body_html_fragment) if filled.body_html_fragment else None  # noqa: S704
    body = own or html_fragment(filled.body_text, accent=branding.primary_colour)
    html = _layout(council, filled.subject, body, settings.reply_to)
    return OutgoingEmail(
        council=council.slug,
        message_key=message_key,
        kind=str(template.kind),
        to=to,
        from_name=council.name,
        subject=filled.subject,
        text=plain_text(filled.body_text),
        html=html,
        reply_to=settings.reply_to,
        personalisation={name: values.get(name, "") for name in values},
        notify_template_id=settings.notify_template_ids.get(str(template.kind)),
        notify_reply_to_id=settings.notify_reply_to_id,
    )
