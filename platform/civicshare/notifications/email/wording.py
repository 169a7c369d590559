"""The words of each message: a council's templates (or the defaults), checked when saved, filled in when sent.

Templates are written in a sandboxed subset of Jinja: `{{ placeholder }}` and `{% if placeholder %}...
{% endif %}` over a fixed set of placeholders per kind of message (`PLACEHOLDERS`). Nothing else is
reachable from a template: no attributes of Python objects, no other variables, no includes. A template
that does not parse, names a placeholder that does not exist or fails to fill in with sample values is
refused when it is saved (`TemplateProblem`), so filling it in at send time cannot fail.

The plain-text body also makes the HTML version (unless the council writes its own HTML), with a small
Notify-like formatting: a line starting `# ` is a heading, `^ ` an inset (the reference), `* ` a
bullet, and web addresses become links.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from civicshare.notifications.events import EventKind

SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000

COMMON_PLACEHOLDERS: dict[str, str] = {
    "council_name": "the council's name, for example 'Royal Borough of Kingston'",
    "service": "the service's title, for example 'Report a pothole'",
    "reference": "the request's reference, for example 'KNG-2026-000123'",
    "tracking_url": "the web address where the resident tracks the request",
    "submitted_on": "the day the request was made, for example '4 December 2026'",
}
PLACEHOLDERS: dict[EventKind, dict[str, str]] = {
    EventKind.SUBMITTED: {
        **COMMON_PLACEHOLDERS,
        "what_happens_next": "what the council does next and by when, in a sentence or two",
    },
    EventKind.STATUS_CHANGED: {
        **COMMON_PLACEHOLDERS,
        "status": "the new status in the council's words, for example 'Fixed'",
        "reason": "why, when the officer chose to show the resident their reason "
        "(often empty: use {% if reason %}...{% endif %})",
    },
    EventKind.PUBLIC_UPDATE: {
        **COMMON_PLACEHOLDERS,
        "update": "what the council tells the resident, as its staff or its system wrote it",
    },
    EventKind.TRANSFERRED: {
        **COMMON_PLACEHOLDERS,
        "other_council": "the council on the platform the request was sent to, for example 'London Borough of Newham'",
        "new_reference": "the request's reference at that council, for example 'NWM-2026-000045'",
        "new_tracking_url": "the web address where the resident tracks the request at that council",
    },
}
EMAILED_KINDS = tuple(PLACEHOLDERS)

SAMPLE_VALUES: dict[str, str] = {
    "council_name": "Royal Borough of Kingston upon Thames",
    "service": "Report a pothole",
    "reference": "KNG-2026-000123",
    "tracking_url": "https://kingston.example.gov.uk/track?reference=KNG-2026-000123",
    "submitted_on": "4 December 2026",
    "what_happens_next": "We will look at your report and aim to deal with it by 18 December 2026.",
    "status": "Fixed",
    "reason": "Our crew filled the pothole on 10 December.",
    "update": "Our crew has looked at the pothole and will fill it on Tuesday.",
    "other_council": "London Borough of Newham",
    "new_reference": "NWM-2026-000045",
    "new_tracking_url": "https://newham.example.gov.uk/track?reference=NWM-2026-000045",
}


@dataclass(frozen=True)
class MessageTemplate:
    kind: EventKind
    subject: str
    body_text: str
    body_html: str | None = None  # an HTML fragment of the council's own; None: made from the text


DEFAULTS: dict[EventKind, MessageTemplate] = {
    EventKind.SUBMITTED: MessageTemplate(
        EventKind.SUBMITTED,
        subject="We have your request {{ reference }}",
        body_text=(
            "# We have your request\n\n"
            "^ Your reference is {{ reference }}\n\n"
            "You asked {{ council_name }} to: {{ service }}.\n\n"
            "# What happens next\n\n"
            "{{ what_happens_next }}\n\n"
            "# Track your request\n\n"
            "{{ tracking_url }}\n\n"
            "You need your reference and this email address to track it.\n\n"
            "{{ council_name }}"
        ),
    ),
    EventKind.STATUS_CHANGED: MessageTemplate(
        EventKind.STATUS_CHANGED,
        subject="Your request {{ reference }}: {{ status }}",
        body_text=(
            "# Your request is now: {{ status }}\n\n"
            "^ Your reference is {{ reference }}\n\n"
            "This is about your request: {{ service }}.\n\n"
            "{% if reason %}{{ reason }}\n\n{% endif %}"
            "# Track your request\n\n"
            "{{ tracking_url }}\n\n"
            "{{ council_name }}"
        ),
    ),
    EventKind.PUBLIC_UPDATE: MessageTemplate(
        EventKind.PUBLIC_UPDATE,
        subject="An update on your request {{ reference }}",
        body_text=(
            "# An update on your request\n\n"
            "^ Your reference is {{ reference }}\n\n"
            "This is about your request: {{ service }}.\n\n"
            "{{ update }}\n\n"
            "# Track your request\n\n"
            "{{ tracking_url }}\n\n"
            "{{ council_name }}"
        ),
    ),
    EventKind.TRANSFERRED: MessageTemplate(
        EventKind.TRANSFERRED,
        subject="We have sent your request {{ reference }} to {{ other_council }}",
        body_text=(
            "# We have sent your request to {{ other_council }}\n\n"
            "This is about your request: {{ service }}.\n\n"
            "The place is in the area of {{ other_council }}, who are responsible for it, so we have sent "
            "your request to them. You do not need to send it again.\n\n"
            "^ Your reference there is {{ new_reference }}\n\n"
            "# Track your request\n\n"
            "{{ new_tracking_url }}\n\n"
            "You need this reference and this email address to track it. Your old reference was "
            "{{ reference }}.\n\n"
            "{{ council_name }}"
        ),
    ),
}


class TemplateProblem(ValueError):
    """A template that cannot be saved; `errors` maps each field (subject, body_text, body_html) to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Const,
)

_text = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, keep_trailing_newline=False
)
_html = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=True, trim_blocks=True, keep_trailing_newline=False
)


def _check_one(field: str, source: str, kind: EventKind, *, html: bool, max_length: int) -> str | None:
    if len(source) > max_length:
        return f"must be {max_length:,} characters or fewer"
    if "\x00" in source:
        return "must not contain a NUL character"
    environment = _html if html else _text
    try:
        tree = environment.parse(source)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        return f"cannot be read{f' (line {line})' if line else ''}: {error.message or error}"
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            return (
                "may only use {{ placeholder }} and {% if placeholder %}...{% endif %}; "
                f"it uses {type(node).__name__.lower()}"
            )
    allowed = PLACEHOLDERS[kind]
    unknown = sorted(meta.find_undeclared_variables(tree) - set(allowed))
    if unknown:
        verb = "is not a placeholder" if len(unknown) == 1 else "are not placeholders"
        return f"uses {', '.join(unknown)}, which {verb}; you can use {', '.join(allowed)}"
    for values in (SAMPLE_VALUES, {**SAMPLE_VALUES, "reason": ""}):
        try:
            environment.from_string(source).render({name: values[name] for name in allowed})
        except TemplateError as error:
            return f"cannot be filled in: {error}"
    return None


def check_template(template: MessageTemplate) -> None:
    """Refuse a template that could not be filled in at send time; raise TemplateProblem saying why."""
    errors: dict[str, str] = {}
    if not template.subject.strip():
        errors["subject"] = "Enter a subject"
    elif "\n" in template.subject or "\r" in template.subject:
        errors["subject"] = "must be one line"
    elif problem := _check_one("subject", template.subject, template.kind, html=False, max_length=SUBJECT_MAX_LENGTH):
        errors["subject"] = f"Subject {problem}"
    if not template.body_text.strip():
        errors["body_text"] = "Enter the text of the message"
    elif problem := _check_one("body_text", template.body_text, template.kind, html=False, max_length=BODY_MAX_LENGTH):
        errors["body_text"] = f"Text {problem}"
    if template.body_html is not None and template.body_html.strip():
        problem = _check_one("body_html", template.body_html, template.kind, html=True, max_length=BODY_MAX_LENGTH)
        if problem:
            errors["body_html"] = f"HTML {problem}"
    if errors:
        raise TemplateProblem(errors)


@dataclass(frozen=True)
class FilledMessage:
    subject: str
    body_text: str  # with the Notify-like markers, as the council wrote it
    body_html_fragment: str | None  # the council's own HTML, filled in and escaped


@functools.lru_cache(maxsize=512)
def _compiled(source: str, *, html: bool) -> Template:
    """Templates compiled once per process (compiling costs about a millisecond; filling in, microseconds)."""
    return (_html if html else _text).from_string(source)


def fill(template: MessageTemplate, values: Mapping[str, str]) -> FilledMessage:
    """The template filled in with one message's values (only the kind's placeholders are passed)."""
    allowed = PLACEHOLDERS[template.kind]
    given = {name: values.get(name, "") for name in allowed}
    subject = _compiled(template.subject, html=False).render(given).strip()
    body = _compiled(template.body_text, html=False).render(given).strip()
    html = _compiled(template.body_html, html=True).render(given) if template.body_html else None
    return FilledMessage(" ".join(subject.split()), body, html)
