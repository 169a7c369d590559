"""What a service's start page says: what it is, what it costs, what to have ready, how long the council
takes to decide, and the other ways to do it (from the council's contact settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicshare.catalogue.service import Offering
from civicshare.modules import Price, sla_working_days, start_price
from civicshare.tenancy.contact import ContactDefinition


def money(pence: int) -> str:
    """£60, £12.50: whole pounds without pence, as GOV.UK writes prices."""
    return f"£{pence / 100:,.2f}".replace(".00", "")


def price_text(price: Price) -> str:
    return f"{money(price.pence)} {price.unit}" if price.unit else money(price.pence)


@dataclass(frozen=True)
class OtherWay:
    """Another way to do the service: by phone, or in person."""

    how: str
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StartPage:
    summary: str
    cost: str | None
    before_you_start: list[str]
    decision: str | None
    other_ways: list[OtherWay]


def _cost(offered: Offering) -> str | None:
    service = offered.service
    price = start_price(service, offered.settings)
    note = f" {price.note}" if price is not None and price.note else ""
    if service.payment_kind == "payment":  # paying what is owed: never "a fee"
        if price is not None:
            return f"The amount to pay is {price_text(price)}.{note} You pay by debit or credit card."
        return "You pay by debit or credit card."
    if price is not None:
        if price.pence == 0:
            return "It is free."
        return f"It costs {price_text(price)}.{note} You pay by debit or credit card when you apply."
    if service.fee is not None:
        return "There may be a fee, depending on your answers. We will tell you how much before you pay."
    return None


def _decision(offered: Offering) -> str | None:
    days = sla_working_days(offered.service, offered.settings)
    if days is None:
        return None
    return f"We will deal with your request within {days} working day{'s' if days != 1 else ''}."


def other_ways(contact: ContactDefinition) -> list[OtherWay]:
    ways = []
    if contact.phone:
        ways.append(OtherWay("By phone", [contact.phone] + ([contact.phone_hours] if contact.phone_hours else [])))
    if contact.address:
        ways.append(OtherWay("In person", [", ".join(contact.address), *contact.opening_hours]))
    return ways


def start_page(offered: Offering, contact: ContactDefinition) -> StartPage:
    return StartPage(
        summary=offered.service.summary,
        cost=_cost(offered),
        before_you_start=list(offered.service.before_you_start),
        decision=_decision(offered),
        other_ways=other_ways(contact),
    )
