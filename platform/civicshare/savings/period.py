"""The period a report covers, and the months it touches."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator


class ReportPeriod(BaseModel):
    """From ``start`` to ``end``, both days included."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.end < self.start:
            raise ValueError("The end of the period must be the same as or after the start")
        return self

    def includes(self, day: date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[str]:
        months: list[str] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
