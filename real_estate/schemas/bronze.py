"""Bronze: the sources as received, every value a string."""

import pandera.polars as pa
import polars as pl


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


class HouseSalesBronze(pa.DataFrameModel):
    """A day's house-sales drop exactly as the CSV holds it: the 21 `kc_house_data` columns."""

    id: pl.String = pa.Field(nullable=True)
    date: pl.String = pa.Field(nullable=True, description="e.g. 20141013T000000")
    price: pl.String = pa.Field(nullable=True)
    bedrooms: pl.String = pa.Field(nullable=True)
    bathrooms: pl.String = pa.Field(nullable=True)
    sqft_living: pl.String = pa.Field(nullable=True)
    sqft_lot: pl.String = pa.Field(nullable=True)
    floors: pl.String = pa.Field(nullable=True)
    waterfront: pl.String = pa.Field(nullable=True)
    view: pl.String = pa.Field(nullable=True)
    condition: pl.String = pa.Field(nullable=True)
    grade: pl.String = pa.Field(nullable=True)
    sqft_above: pl.String = pa.Field(nullable=True)
    sqft_basement: pl.String = pa.Field(nullable=True)
    yr_built: pl.String = pa.Field(nullable=True)
    yr_renovated: pl.String = pa.Field(nullable=True)
    zipcode: pl.String = pa.Field(nullable=True)
    lat: pl.String = pa.Field(nullable=True)
    long: pl.String = pa.Field(nullable=True)
    sqft_living15: pl.String = pa.Field(nullable=True)
    sqft_lot15: pl.String = pa.Field(nullable=True)

    class Config:
        strict = True
