"""Money and shares as exact decimals: rounded to the penny once, apportioned without losing a penny.

Amounts are ``Decimal`` pounds. Rounding is half up (0.005 becomes 0.01), the convention councils'
finance teams expect, and happens at one place per figure so totals add up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")
SHARE_DISPLAY_PLACES = Decimal("0.0001")


def round_to_penny(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def to_pence(amount: Decimal) -> int:
    """Whole pence; refuses amounts with fractions of a penny rather than rounding them silently."""
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"£{amount} is not a whole number of pence")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def ratio(part: int, whole: int) -> Decimal | None:
    """A share such as 0.5012, or None when there is nothing to divide."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_DISPLAY_PLACES, rounding=ROUND_HALF_UP)


def largest_remainder(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split ``total`` whole units in proportion to ``weights`` so the parts add up to ``total`` exactly.

    Each part gets the whole-unit floor of its exact quota; the units left over go one each to the parts
    with the largest fractional remainders, ties going to the earlier part so the result is repeatable.
    """
    if total < 0:
        raise ValueError("Cannot apportion a negative total")
    exact = [Fraction(weight) for weight in weights]
    if any(weight < 0 for weight in exact):
        raise ValueError("Weights must be 0 or more")
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        raise ValueError("Weights must not all be 0")
    quotas = [total * weight / weight_sum for weight in exact]
    parts = [math.floor(quota) for quota in quotas]
    left_over = total - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in by_remainder[:left_over]:
        parts[i] += 1
    return parts
