"""Silver: typed, cleaned and de-duplicated datasets."""

import datetime as dt

import pandera.polars as pa
import polars as pl

from real_estate.schemas.bronze import HouseSalesBronze
from real_estate.transforms.house_sales import KC_LATITUDE, KC_LONGITUDE

# Seattle's extent, with a margin.
SEATTLE_LATITUDE = (47.45, 47.78)
SEATTLE_LONGITUDE = (-122.46, -122.20)
SEATTLE_X_FEET = (1_200_000.0, 1_320_000.0)
SEATTLE_Y_FEET = (160_000.0, 290_000.0)


def _count() -> pa.Field:
    return pa.Field(ge=0)


class ParksSilver(pa.DataFrameModel):
    """One row per Seattle park, with its features counted by kind."""

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
    features_play_area: pl.Int64 = _count()
    features_sports_field: pl.Int64 = _count()
    features_court: pl.Int64 = _count()
    features_trail: pl.Int64 = _count()
    features_water_access: pl.Int64 = _count()
    features_off_leash: pl.Int64 = _count()
    features_picnic: pl.Int64 = _count()
    features_restroom: pl.Int64 = _count()
    features_other: pl.Int64 = _count()

    class Config:
        strict = True


class HouseSalesSilver(pa.DataFrameModel):
    """One row per house sold on the partition's day, typed and within plausible ranges."""

    id: pl.Int64 = pa.Field(unique=True, description="House id")
    sale_date: dt.date = pa.Field(description="Day of sale")
    price: pl.Float64 = pa.Field(gt=0, description="Sale price, USD")
    bedrooms: pl.Int64 = pa.Field(in_range={"min_value": 0, "max_value": 33})
    bathrooms: pl.Float64 = pa.Field(in_range={"min_value": 0, "max_value": 10})
    sqft_living: pl.Int64 = pa.Field(in_range={"min_value": 200, "max_value": 50_000})
    sqft_lot: pl.Int64 = pa.Field(gt=0)
    floors: pl.Float64 = pa.Field(in_range={"min_value": 1, "max_value": 4})
    waterfront: pl.Int64 = pa.Field(isin=[0, 1])
    view: pl.Int64 = pa.Field(in_range={"min_value": 0, "max_value": 4})
    condition: pl.Int64 = pa.Field(in_range={"min_value": 1, "max_value": 5})
    grade: pl.Int64 = pa.Field(in_range={"min_value": 1, "max_value": 13})
    sqft_above: pl.Int64 = pa.Field(ge=0)
    sqft_basement: pl.Int64 = pa.Field(ge=0)
    yr_built: pl.Int64 = pa.Field(ge=1850)
    yr_renovated: pl.Int64 = pa.Field(ge=0)
    zipcode: pl.String = pa.Field(str_matches=r"^98[01]\d{2}$", description="King County zip code")
    lat: pl.Float64 = pa.Field(in_range={"min_value": KC_LATITUDE[0], "max_value": KC_LATITUDE[1]})
    long: pl.Float64 = pa.Field(in_range={"min_value": KC_LONGITUDE[0], "max_value": KC_LONGITUDE[1]})
    sqft_living15: pl.Int64 = pa.Field(ge=0)
    sqft_lot15: pl.Int64 = pa.Field(ge=0)

    class Config:
        strict = True


class HouseSalesRejectedSilver(HouseSalesBronze):
    """Rows of a drop that broke a row rule: the original strings, the CSV line and every reason."""

    source_line: pl.UInt32 = pa.Field(ge=2, description="Line in the drop's CSV (header is 1)")
    reject_reason: pl.String = pa.Field(
        str_length={"min_value": 1}, description="Rules broken, '; '-separated"
    )
