"""A step that asks for an address in the council's area, as GOV.UK's "find an address" pattern: the
postcode, then the address chosen from the council's addresses there, or the address typed by hand
("I cannot find the address in the list", or where the lookup cannot answer).

The chosen address fills the step's own questions (its line and postcode) and its UPRN, which the
resident never types, so the step's model checks it as if typed. A postcode whose addresses are all in
another council's area takes the "right council" path, as a map pin does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Response

from civicshare.catalogue.service import Offering
from civicshare.modules import AddressQuestions, FormStep, address_questions
from civicshare.places.addresses import (
    Address,
    AddressLookupUnavailable,
    InvalidPostcode,
    normalise_postcode,
    sort_by_council,
    without_postcode,
)
from civicshare.web.site import FieldError, WebRequest

FIND = "find_postcode"  # the postcode searched for (the first page, and kept on the list's page)
CHOOSE = "chosen_uprn"  # the address chosen from the list
MANUAL = "manual"  # ?manual=1: the step's own questions, typed


def finds_address(step: FormStep) -> AddressQuestions | None:
    return address_questions(step.form)


def is_finding(posted: dict[str, str]) -> bool:
    return FIND in posted or CHOOSE in posted


def chosen_data(step: FormStep, typed: dict[str, str]) -> dict[str, Any]:
    """The UPRN of the chosen address, as the step's model reads it (nothing when typed by hand)."""
    questions = finds_address(step)
    if questions is None or questions.uprn is None or not typed.get(questions.uprn):
        return {}
    return {questions.uprn: typed[questions.uprn]}


def was_typed_by_hand(questions: AddressQuestions, typed: dict[str, str]) -> bool:
    """The draft has an address the resident typed (not chosen from a list): show it to them to change."""
    return bool(typed.get(questions.line)) and not (questions.uprn and typed.get(questions.uprn))


def typed_by_hand(step: FormStep) -> dict[str, str]:
    """Typing the address forgets the UPRN of any address chosen before."""
    questions = finds_address(step)
    return {questions.uprn: ""} if questions is not None and questions.uprn else {}


@dataclass(frozen=True)
class Found:
    """The addresses at the postcode in this council's area, or why there are none to choose from."""

    postcode: str
    inside: list[Address]
    error: str | None = None
    outside: bool = False  # every address there is in another council's area


async def find(web: WebRequest, typed_postcode: str) -> Found:
    try:
        postcode = normalise_postcode(typed_postcode)
    except InvalidPostcode as invalid:
        return Found(typed_postcode.strip(), [], str(invalid))
    services = web.site.services
    try:
        found = await services.addresses.addresses_at(postcode)
    except AddressLookupUnavailable:
        return Found(postcode, [], "Addresses cannot be looked up at the moment. Enter the address manually")
    if not found:
        return Found(
            postcode,
            [],
            f"We could not find any addresses at {postcode}. Check the postcode or enter the address manually",
        )
    sorted_out = sort_by_council(found, web.council.slug, await services.boundaries.locator())
    if not sorted_out.inside:
        message = f"{postcode} is outside the area of {web.council.name}. Enter a postcode in its area"
        return Found(postcode, [], message, outside=True)
    return Found(postcode, sorted_out.inside)


def chosen_answers(questions: AddressQuestions, address: Address) -> dict[str, str]:
    """The step's answers for the chosen address, as if typed."""
    typed = {questions.line: without_postcode(address), questions.postcode: address.postcode}
    if questions.uprn:
        typed[questions.uprn] = address.uprn
    return typed


def find_page(
    web: WebRequest,
    offered: Offering,
    step: FormStep,
    *,
    back: str,
    change: bool,
    postcode: str = "",
    addresses: list[Address] | None = None,
    errors: list[FieldError] | None = None,
) -> Response[Any]:
    """The postcode page, or (with `addresses`) the list to choose from."""
    action = f"/services/{offered.service.code}/{step.code}"
    suffix = "&change=1" if change else ""
    options = [
        {"value": "", "label": f"{len(addresses or [])} address{'' if len(addresses or []) == 1 else 'es'} found"}
    ]
    options += [{"value": address.uprn, "label": address.text} for address in addresses or []]
    return web.page(
        "find_address.html",
        status=400 if errors else 200,
        current="services",
        title=step.title,
        offered=offered,
        action=web.url(action + ("?change=1" if change else "")),
        find_again=web.url(action + ("?change=1" if change else "")),
        manual=web.url(f"{action}?{MANUAL}=1{suffix}"),
        postcode=postcode,
        addresses=addresses or [],
        options=options,
        errors=errors or [],
        back=back,
    )
