from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from civicshare.savings.baseline import BaselineMix, baseline_mix_from_counts, derive_baseline
from civicshare.savings.channels import Channel
from civicshare.savings.rollups import RollupRow


def test_a_mix_derived_from_counts_adds_up_to_exactly_one() -> None:
    # 2/3 and 1/3 in billionths: 666,666,666.67 and 333,333,333.33; the floors leave one unit over,
    # which goes to phone's larger remainder (0.67).
    mix = baseline_mix_from_counts({Channel.PHONE: 2, Channel.WEB: 1})

    assert mix.shares == {Channel.PHONE: Decimal("0.666666667"), Channel.WEB: Decimal("0.333333333")}
    assert sum(mix.shares.values()) == 1
    assert mix.share(Channel.APP) == 0


def test_shares_that_do_not_add_up_to_one_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"add up to 0\.9"):
        BaselineMix(shares={Channel.PHONE: Decimal("0.5"), Channel.WEB: Decimal("0.4")})
    with pytest.raises(ValueError, match="no contacts"):
        baseline_mix_from_counts({Channel.PHONE: 0})


def test_a_baseline_is_derived_per_service_from_counts_before_a_chosen_date() -> None:
    rows = [
        RollupRow(day=date(2024, 3, 30), service="report-missed-bin", channel=Channel.PHONE, count=85),
        RollupRow(day=date(2024, 3, 31), service="report-missed-bin", channel=Channel.WEB, count=15),
        # On and after the go-live date: not part of the baseline.
        RollupRow(day=date(2024, 4, 1), service="report-missed-bin", channel=Channel.WEB, count=1000),
        RollupRow(day=date(2024, 4, 1), service="report-pothole", channel=Channel.WEB, count=10),
    ]

    baseline = derive_baseline(rows, before=date(2024, 4, 1))

    assert baseline == {
        "report-missed-bin": BaselineMix(shares={Channel.PHONE: Decimal("0.85"), Channel.WEB: Decimal("0.15")})
    }
