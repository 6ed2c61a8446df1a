"""Row rules, each written once and read three ways: a polars condition for the quarantine, pandera
checks for the schemas, and the reason a row breaking it is given.

`passes` is true for a value that meets the rule. A missing value (null: absent, or it did not
parse) fails only `Present`, so a row is given one reason per fault; `field_checks` are the
day-free part as `pandera.Field` arguments (a schema's columns are not nullable unless they say
so); `day_checks` add what depends on the partition's day.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pandera.polars as pa
import polars as pl


class Rule(Protocol):
    """A condition every value of a column meets."""

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr: ...

    def reason(self, column: str, day: dt.date) -> str: ...

    def field_checks(self) -> dict[str, object]: ...

    def day_checks(self, day: dt.date) -> list[pa.Check]: ...


def _number(value: float) -> str:
    return f"{value:g}"


class _DayFree:
    def day_checks(self, day: dt.date) -> list[pa.Check]:
        return []


@dataclass(frozen=True)
class Present(_DayFree):
    """The value is there and parsed: `what` says what it had to be (`"a whole number"`)."""

    what: str

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return value.is_not_null()

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is not {self.what}"

    def field_checks(self) -> dict[str, object]:
        return {}  # a schema's columns are not nullable unless they say so


@dataclass(frozen=True)
class Between(_DayFree):
    """`low <= value <= high`."""

    low: float
    high: float

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return value.is_between(self.low, self.high).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} outside {_number(self.low)} to {_number(self.high)}"

    def field_checks(self) -> dict[str, object]:
        return {"in_range": {"min_value": self.low, "max_value": self.high}}


@dataclass(frozen=True)
class AtLeast(_DayFree):
    """`value >= low`."""

    low: float

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return (value >= self.low).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is below {_number(self.low)}"

    def field_checks(self) -> dict[str, object]:
        return {"ge": self.low}


@dataclass(frozen=True)
class Positive(_DayFree):
    """`value > 0`."""

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return (value > 0).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is not positive"

    def field_checks(self) -> dict[str, object]:
        return {"gt": 0}


@dataclass(frozen=True)
class OneOf(_DayFree):
    """The value is one of `values`."""

    values: Sequence[int]

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return value.is_in(list(self.values)).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is not {' or '.join(map(str, self.values))}"

    def field_checks(self) -> dict[str, object]:
        return {"isin": list(self.values)}


@dataclass(frozen=True)
class Matches(_DayFree):
    """The whole text matches `pattern`; `what` names what that means."""

    pattern: str
    what: str

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return value.str.contains(self.pattern).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is not {self.what}"

    def field_checks(self) -> dict[str, object]:
        return {"str_matches": self.pattern}


@dataclass(frozen=True)
class YearUpToSale:
    """A year from `first` to `years_after` past the sale's (a house can sell before it is built)."""

    first: int
    years_after: int

    def last(self, day: dt.date) -> int:
        return day.year + self.years_after

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return value.is_between(self.first, self.last(day)).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} outside {self.first} to {self.last(day)}"

    def field_checks(self) -> dict[str, object]:
        return {"ge": self.first}

    def day_checks(self, day: dt.date) -> list[pa.Check]:
        return [pa.Check.le(self.last(day), error=f"<= {self.last(day)}")]


@dataclass(frozen=True)
class OnDay:
    """The date is the partition's day."""

    def passes(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return (value == day).fill_null(True)

    def reason(self, column: str, day: dt.date) -> str:
        return f"{column} is not the partition day {day}"

    def field_checks(self) -> dict[str, object]:
        return {}

    def day_checks(self, day: dt.date) -> list[pa.Check]:
        return [pa.Check.equal_to(day, error=f"== {day}")]
