"""Gold: the ML feature set and the model's batch predictions."""

import datetime as dt

import pandera.polars as pa
import polars as pl

from real_estate.contracts.park_features import PARK_FEATURE_COLUMNS
from real_estate.schemas.derived import derived_model
from real_estate.schemas.silver import HouseSalesSilver


def _count() -> pa.Field:
    return pa.Field(ge=0, nullable=False)


HousesWithParksGold = derived_model(
    "HousesWithParksGold",
    "Each house sold that day with its zip code's park counts: the model's feature set.",
    {column: (pl.Int64, _count()) for column in PARK_FEATURE_COLUMNS},
    base=HouseSalesSilver,
)


PREDICTION_BAND_USD = (10_000.0, 50_000_000.0)


class PricePredictionsGold(pa.DataFrameModel):
    """One prediction per house of the day, with the model version that made it."""

    id: pl.Int64 = pa.Field(unique=True)
    sale_date: dt.date = pa.Field()
    zipcode: pl.String = pa.Field()
    price: pl.Float64 = pa.Field(gt=0, description="Actual sale price, for audit")
    predicted_price: pl.Float64 = pa.Field(
        in_range={"min_value": PREDICTION_BAND_USD[0], "max_value": PREDICTION_BAND_USD[1]},
        description="Predicted sale price, USD",
    )
    model_name: pl.String = pa.Field(str_length={"min_value": 1})
    model_version: pl.String = pa.Field(str_length={"min_value": 1})
    model_run_id: pl.String = pa.Field(str_length={"min_value": 1})
    predicted_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field()

    class Config:
        strict = True
