"""Bank holidays in England and Wales, 2025 to 2027 (as published on GOV.UK, with substitute days).

Dates outside these years are treated as ordinary days: extend this table each year.
"""

from __future__ import annotations

from datetime import date

ENGLAND_AND_WALES: frozenset[date] = frozenset(
    date.fromisoformat(day)
    for day in (
        # 2025
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05",
        "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
        # 2026: Boxing Day falls on a Saturday, so Monday 28 December is the substitute
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
        "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
        # 2027: Christmas Day and Boxing Day fall at the weekend, substitutes on 27 and 28 December
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
        "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
    )
)  # fmt: skip
