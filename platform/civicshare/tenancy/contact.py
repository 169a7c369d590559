"""How residents reach a council other than online, and its accessibility statement, as its settings say.

Both are part of a council's definition (`tenants/*.toml` under `[contact]` and `[accessibility]`, or
the admin API) and reach its pages through `TenantContext`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

_UK_PHONE = re.compile(r"^(?:\+44|0044|0)[1-9][0-9]{8,9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def _lines(value: tuple[str, ...], longest: int) -> tuple[str, ...]:
    # Checked here rather than as constrained item types, which the admin API's schema would render as
    # an ambiguous oneOf.
    cleaned = tuple(line.strip() for line in value)
    if any(not line or len(line) > longest for line in cleaned):
        raise ValueError(f"each line must have 1 to {longest} characters")
    return cleaned


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _uk_phone(value: str) -> str:
    if not _UK_PHONE.match(re.sub(r"[\s()-]", "", value)):
        raise ValueError(f"{value!r} is not a UK phone number, like 020 8547 5000")
    return value


Phone = Annotated[str, AfterValidator(_uk_phone)]


class OutOfHours(_Settings):
    """Who to call about something dangerous when the council is closed."""

    phone: Phone
    covers: ShortText = "dangerous potholes, fallen trees, flooding and other urgent hazards"


def _at_most(value: tuple[str, ...], most: int) -> tuple[str, ...]:
    if len(value) > most:
        raise ValueError(f"at most {most} lines")
    return value


class ContactDefinition(_Settings):
    """A council's contact details: its contact page, and the other ways to do a service on start pages."""

    phone: Phone | None = None
    phone_hours: ShortText | None = Field(default=None, description="for example: Monday to Friday, 9am to 5pm")
    email: str | None = Field(default=None, max_length=254)
    address: tuple[str, ...] = Field(default=(), description="the address to visit, line by line (8 at most)")
    opening_hours: tuple[str, ...] = Field(
        default=(), description="when the address is open, one line each (10 at most)"
    )
    out_of_hours: OutOfHours | None = None

    # Counted here rather than with max_length, which the admin API's document rendered as an ambiguous oneOf.
    @field_validator("address")
    @classmethod
    def _address_lines(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _lines(_at_most(value, 8), 200)

    @field_validator("opening_hours")
    @classmethod
    def _opening_hours_lines(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _lines(_at_most(value, 10), 200)

    @field_validator("email")
    @classmethod
    def _an_email_address(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @model_validator(mode="after")
    def _hours_belong_to_something(self) -> ContactDefinition:
        if self.phone_hours and not self.phone:
            raise ValueError("phone_hours needs a phone number")
        if self.opening_hours and not self.address:
            raise ValueError("opening_hours needs an address to visit")
        return self

    @property
    def given(self) -> bool:
        return bool(self.phone or self.email or self.address)


class AccessibilityDefinition(_Settings):
    """What the Public Sector Bodies Accessibility Regulations 2018 ask a statement to say that only
    the council knows: when it was prepared and reviewed, and how compliant the site is."""

    prepared_on: date = date(2026, 9, 1)
    last_reviewed_on: date | None = None
    compliance: Literal["full", "partial"] = "full"
    known_issues: tuple[str, ...] = ()
    """What does not meet WCAG 2.2 AA yet, and when it will (required when compliance is partial)."""

    @field_validator("known_issues")
    @classmethod
    def _issues_in_a_paragraph(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _lines(_at_most(value, 50), 500)

    @model_validator(mode="after")
    def _consistent(self) -> AccessibilityDefinition:
        if self.compliance == "full" and self.known_issues:
            raise ValueError("a fully compliant website has no known issues: set compliance to partial")
        if self.compliance == "partial" and not self.known_issues:
            raise ValueError("a partially compliant website lists its known issues")
        if self.last_reviewed_on is not None and self.last_reviewed_on < self.prepared_on:
            raise ValueError("last_reviewed_on cannot come before prepared_on")
        return self


def enforcement_body(gss_code: str) -> Literal["EHRC", "ECNI"]:
    """Who enforces the regulations: the Equality Commission for Northern Ireland there, else the EHRC."""
    return "ECNI" if gss_code.startswith("N") else "EHRC"
