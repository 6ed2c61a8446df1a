"""Silver: typed, cleaned and de-duplicated datasets."""

import datetime as dt

import pandera.polars as pa
import polars as pl

from real_estate.contracts.house_sales import HOUSE_SALES, SaleColumn
from real_estate.contracts.park_features import FEATURE_KIND_COLUMNS
from real_estate.schemas.bronze import HouseSalesBronze
from real_estate.schemas.derived import derived_model

# Seattle's extent, with a margin.
SEATTLE_LATITUDE = (47.45, 47.78)
SEATTLE_LONGITUDE = (-122.46, -122.20)
SEATTLE_X_FEET = (1_200_000.0, 1_320_000.0)
SEATTLE_Y_FEET = (160_000.0, 290_000.0)


def _count() -> pa.Field:
    return pa.Field(ge=0)


class _ParksSilver(pa.DataFrameModel):
    """Silver parks' own columns; the counts by feature kind follow them."""

    pmaid: pl.Int64 = pa.Field(unique=True, description="Park id (PMA id)")
    name: pl.String = pa.Field(nullable=True)
    address: pl.String = pa.Field(nullable=True)
    zip_code: pl.String = pa.Field(str_matches=r"^981\d{2}$", description="Seattle zip code")
    x_coord: pl.Float64 = pa.Field(
        nullable=True, in_range={"min_value": SEATTLE_X_FEET[0], "max_value": SEATTLE_X_FEET[1]}
    )
    y_coord: pl.Float64 = pa.Field(
        nullable=True, in_range={"min_value": SEATTLE_Y_FEET[0], "max_value": SEATTLE_Y_FEET[1]}
    )
    latitude: pl.Float64 = pa.Field(
        nullable=True, in_range={"min_value": SEATTLE_LATITUDE[0], "max_value": SEATTLE_LATITUDE[1]}
    )
    longitude: pl.Float64 = pa.Field(
        nullable=True, in_range={"min_value": SEATTLE_LONGITUDE[0], "max_value": SEATTLE_LONGITUDE[1]}
    )
    num_locations: pl.Int64 = pa.Field(ge=1, description="Address rows for this park")
    features: pl.List(pl.String) = pa.Field(description="Feature descriptions, sorted")
    num_features: pl.Int64 = _count()

    class Config:
        strict = True


ParksSilver = derived_model(
    "ParksSilver",
    "One row per Seattle park, with its features counted by kind.",
    {column: (pl.Int64, _count()) for column in FEATURE_KIND_COLUMNS},
    base=_ParksSilver,
)


def _typed_field(column: SaleColumn) -> pa.Field:
    checks: dict[str, object] = {}
    for rule in column.rules:
        repeated = checks.keys() & rule.field_checks().keys()
        if repeated:
            raise ValueError(f"{column.name}: two rules set pandera's {sorted(repeated)}; merge them")
        checks |= rule.field_checks()
    return pa.Field(unique=column.unique, description=column.description, **checks)


HouseSalesSilver = derived_model(
    "HouseSalesSilver",
    "One row per house sold on the partition's day, typed and within plausible ranges.",
    {column.typed_name: (column.dtype, _typed_field(column)) for column in HOUSE_SALES},
    strict=True,
)


def day_checks(day: dt.date) -> dict[str, list[pa.Check]]:
    """The checks of silver house sales that depend on the partition's day, by column."""
    checks: dict[str, list[pa.Check]] = {}
    for column in HOUSE_SALES:
        for rule in column.rules:
            checks.setdefault(column.typed_name, []).extend(rule.day_checks(day))
    return {name: column_checks for name, column_checks in checks.items() if column_checks}


class HouseSalesRejectedSilver(HouseSalesBronze):
    """Rows of a drop that broke a row rule: the original strings, the CSV line and every reason."""

    source_line: pl.UInt32 = pa.Field(ge=2, description="Line in the drop's CSV (header is 1)")
    reject_reason: pl.String = pa.Field(
        str_length={"min_value": 1}, description="Rules broken, '; '-separated"
    )
