"""UK formats that several services ask for: postcodes, phone numbers, amounts in pounds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator

from civicshare.modules.answers import AnswerError

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_PHONE = re.compile(r"^(?:\+44|0044|0)[1-9][0-9]{8,9}$")
_POUNDS = re.compile(r"^£?([0-9]{1,7}(?:\.[0-9]{2})?)$")


def normalise_postcode(text: str) -> str | None:
    """'sw1a2aa' -> 'SW1A 2AA'; None if it is not shaped like a UK postcode."""
    squashed = re.sub(r"\s+", "", text).upper()
    found = _POSTCODE.match(squashed)
    return f"{found.group(1)} {found.group(2)}" if found else None


def _checked_postcode(text: str) -> str:
    postcode = normalise_postcode(text)
    if postcode is None:
        raise AnswerError("Enter a full UK postcode, like AA3 1AB")
    return postcode


UkPostcode = Annotated[str, AfterValidator(_checked_postcode)]
"""A form answer that must be a UK postcode; stored as 'SW1A 2AA'."""


def is_uk_phone_number(text: str) -> bool:
    return bool(_PHONE.match(re.sub(r"[\s()-]", "", text)))


def pounds_to_pence(text: str) -> int | None:
    """'£125.50' or '125' -> pence; None if it is not an amount in pounds and pence."""
    found = _POUNDS.match(text.replace(",", "").strip())
    if not found:
        return None
    try:
        return int(Decimal(found.group(1)) * 100)
    except InvalidOperation:
        return None
