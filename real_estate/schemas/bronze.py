"""Bronze: the sources as received, every value a string."""

import pandera.polars as pa
import polars as pl

from real_estate.contracts.house_sales import HOUSE_SALES
from real_estate.schemas.derived import derived_model


class ParksAddressesBronze(pa.DataFrameModel):
    """Seattle Park Addresses (`v5tj-kqhc`) as returned by SODA; extra fields are allowed."""

    pmaid: pl.String = pa.Field(nullable=False, description="Park id (PMA id)")
    locid: pl.String = pa.Field(nullable=True, description="Location id")
    name: pl.String = pa.Field(nullable=True)
    address: pl.String = pa.Field(nullable=True)
    zip_code: pl.String = pa.Field(nullable=True)
    x_coord: pl.String = pa.Field(nullable=True, description="State Plane North, US feet")
    y_coord: pl.String = pa.Field(nullable=True, description="State Plane North, US feet")

    class Config:
        strict = False


class ParkFeaturesBronze(pa.DataFrameModel):
    """Seattle Park Features By PMAID (`xrnu-8eiq`) as returned by SODA; extra fields are allowed."""

    service_layer_id: pl.String = pa.Field(nullable=True)
    feature_desc: pl.String = pa.Field(nullable=False, description="Free-text feature name")
    pmaid: pl.String = pa.Field(nullable=False, description="Park id (PMA id)")

    class Config:
        strict = False


HouseSalesBronze = derived_model(
    "HouseSalesBronze",
    "A day's house-sales drop exactly as the CSV holds it: the 21 `kc_house_data` columns.",
    {
        column.name: (pl.String, pa.Field(nullable=True, description=column.description))
        for column in HOUSE_SALES
    },
    strict=True,
)
