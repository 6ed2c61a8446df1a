"""The house-sales contract, written once.

The 21 `kc_house_data` columns of a daily drop, in the drop's order: how each is typed in silver,
the rules its values meet (with the reason a breaking row is given), and its role in the model.
The bronze and silver pandera models, silver's typing and quarantine, the landing header check,
the sample generator and the training features all derive from this table.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import polars as pl

from real_estate.contracts.rules import (
    AtLeast,
    Between,
    Matches,
    OnDay,
    OneOf,
    Positive,
    Present,
    Rule,
    YearUpToSale,
)
from real_estate.text import name_list


class Parse(Enum):
    """How a drop's string becomes a typed value; what does not parse becomes null."""

    IDENTIFIER = "identifier"  # digits, spaces around them tolerated
    DATE = "date"  # `20141013T000000`
    INTEGER = "integer"  # a whole number; `3.0` and thousands separators tolerated
    NUMBER = "number"  # thousands separators tolerated
    CODE = "code"  # text, spaces around it dropped

    @property
    def dtype(self) -> type[pl.DataType]:
        """The polars type a parsed value has."""
        return _PARSED_TYPES[self]

    @property
    def what(self) -> str:
        """What a value must be to parse, as a reject reason says it."""
        return _PARSED_WHAT[self]


_PARSED_TYPES = {
    Parse.IDENTIFIER: pl.Int64,
    Parse.DATE: pl.Date,
    Parse.INTEGER: pl.Int64,
    Parse.NUMBER: pl.Float64,
    Parse.CODE: pl.String,
}
_PARSED_WHAT = {
    Parse.IDENTIFIER: "a whole number",
    Parse.DATE: "a date like 20141013T000000",
    Parse.INTEGER: "a whole number",
    Parse.NUMBER: "a finite number",
    Parse.CODE: "given",
}


class Role(Enum):
    """What a column is to the price model."""

    KEY = "key"
    DATE = "date"
    TARGET = "target"
    FEATURE = "feature"
    CATEGORY = "categorical feature"


@dataclass(frozen=True)
class SaleColumn:
    """One column of a drop: its name there and in silver, its typing, rules and role.

    Every value must parse (a missing or unparsable one is rejected with `Parse.what`); `rules`
    are what a parsed value must meet.
    """

    name: str
    parse: Parse
    role: Role
    rules: tuple[Rule, ...] = ()
    description: str | None = None
    silver_name: str | None = None
    unique: bool = False

    @property
    def typed_name(self) -> str:
        return self.silver_name or self.name

    @property
    def dtype(self) -> type[pl.DataType]:
        return self.parse.dtype

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        """The rule that the value parses, then the column's own rules."""
        return (Present(self.parse.what), *self.rules)


DATE_FORMAT = "%Y%m%dT%H%M%S"
KING_COUNTY_LATITUDE = Between(47.1, 47.8)
KING_COUNTY_LONGITUDE = Between(-122.6, -121.3)
KING_COUNTY_ZIP = Matches(r"^98(?:00[1-9]|0[1-9]\d|1\d\d)$", "a King County zip code (98001-98199)")
_NOT_NEGATIVE = (AtLeast(0),)


def _feature(name: str, *rules: Rule, parse: Parse = Parse.INTEGER) -> SaleColumn:
    return SaleColumn(name, parse, Role.FEATURE, rules or _NOT_NEGATIVE)


HOUSE_SALES: tuple[SaleColumn, ...] = (
    SaleColumn("id", Parse.IDENTIFIER, Role.KEY, (), "House id", unique=True),
    SaleColumn(
        "date",
        Parse.DATE,
        Role.DATE,
        (OnDay(),),
        "Day of sale (in the drop: e.g. 20141013T000000)",
        silver_name="sale_date",
    ),
    SaleColumn("price", Parse.NUMBER, Role.TARGET, (Positive(),), "Sale price, USD"),
    _feature("bedrooms", Between(0, 33)),
    _feature("bathrooms", Between(0, 10), parse=Parse.NUMBER),
    _feature("sqft_living", Between(200, 50_000)),
    _feature("sqft_lot", Positive()),
    _feature("floors", Between(1, 4), parse=Parse.NUMBER),
    _feature("waterfront", OneOf((0, 1))),
    _feature("view", Between(0, 4)),
    _feature("condition", Between(1, 5)),
    _feature("grade", Between(1, 13)),
    _feature("sqft_above"),
    _feature("sqft_basement"),
    # kc_house_data has 2014 sales of houses built in 2015.
    _feature("yr_built", YearUpToSale(1850, years_after=1)),
    _feature("yr_renovated"),
    SaleColumn("zipcode", Parse.CODE, Role.CATEGORY, (KING_COUNTY_ZIP,), "King County zip code"),
    _feature("lat", KING_COUNTY_LATITUDE, parse=Parse.NUMBER),
    _feature("long", KING_COUNTY_LONGITUDE, parse=Parse.NUMBER),
    _feature("sqft_living15"),
    _feature("sqft_lot15"),
)

DROP_COLUMNS: tuple[str, ...] = tuple(column.name for column in HOUSE_SALES)
SILVER_COLUMNS: tuple[str, ...] = tuple(column.typed_name for column in HOUSE_SALES)
KEY: str = next(column.typed_name for column in HOUSE_SALES if column.role is Role.KEY)
_DATE_COLUMN = next(column for column in HOUSE_SALES if column.role is Role.DATE)
DROP_DATE, SALE_DATE = _DATE_COLUMN.name, _DATE_COLUMN.typed_name
TARGET: str = next(column.typed_name for column in HOUSE_SALES if column.role is Role.TARGET)
HOUSE_FEATURES: tuple[str, ...] = tuple(
    column.typed_name for column in HOUSE_SALES if column.role in (Role.FEATURE, Role.CATEGORY)
)
CATEGORICAL_FEATURES: tuple[str, ...] = tuple(
    column.typed_name for column in HOUSE_SALES if column.role is Role.CATEGORY
)


def header_fault(columns: Sequence[str]) -> str | None:
    """What is wrong with a drop's header, or None when it holds exactly the drop's columns."""
    missing = [name for name in DROP_COLUMNS if name not in columns]
    unexpected = [name for name in columns if name not in DROP_COLUMNS]
    if not (missing or unexpected):
        return None
    return (
        f"lacks columns [{name_list(missing)}] and has unexpected columns [{name_list(unexpected)}]; "
        f"expected the {len(DROP_COLUMNS)} kc_house_data columns"
    )


@dataclass(frozen=True)
class RowRule:
    """One rule of one column, stated on silver's typed column and named by the drop's."""

    column: SaleColumn
    rule: Rule = field(compare=False)

    def passes(self, day: dt.date) -> pl.Expr:
        return self.rule.passes(pl.col(self.column.typed_name), day)

    def reason(self, day: dt.date) -> str:
        return self.rule.reason(self.column.name, day)


ROW_RULES: tuple[RowRule, ...] = tuple(
    RowRule(column, rule) for column in HOUSE_SALES for rule in column.all_rules
)


def row_rules(day: dt.date) -> dict[str, pl.Expr]:
    """Every row rule of a valid sale on `day`: its condition, by the reason given when broken."""
    return {rule.reason(day): rule.passes(day) for rule in ROW_RULES}
