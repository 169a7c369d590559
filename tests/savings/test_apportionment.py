from decimal import Decimal

import pytest

from civicshare.savings.money import largest_remainder, ratio, round_to_penny, to_pence


def test_largest_remainder_gives_left_over_units_to_the_largest_remainders() -> None:
    # 100 split 1:1:1 -> quotas 33.33 each, floors 33+33+33 = 99, 1 left: ties go to the first.
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    # 10 split 0.45:0.45:0.1 -> quotas 4.5, 4.5, 1.0; floors 4+4+1 = 9; 1 left to the first 0.5.
    assert largest_remainder(10, [Decimal("0.45"), Decimal("0.45"), Decimal("0.1")]) == [5, 4, 1]


def test_largest_remainder_refuses_what_cannot_be_apportioned() -> None:
    with pytest.raises(ValueError, match="must not all be 0"):
        largest_remainder(10, [0, 0])
    with pytest.raises(ValueError, match="0 or more"):
        largest_remainder(10, [1, -1])


def test_rounding_is_half_up_to_the_penny() -> None:
    assert round_to_penny(Decimal("0.005")) == Decimal("0.01")
    assert round_to_penny(Decimal("2.675")) == Decimal("2.68")
    assert round_to_penny(Decimal("-0.005")) == Decimal("-0.01")
    assert to_pence(Decimal("10000.00")) == 1_000_000
    with pytest.raises(ValueError, match="whole number of pence"):
        to_pence(Decimal("0.001"))
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(1, 0) is None
