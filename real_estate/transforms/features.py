"""Gold: each sold house joined with the parks of its zip code, the ML feature set."""

import polars as pl

from real_estate.contracts.park_features import FEATURE_KIND_COLUMNS, PARK_FEATURE_COLUMNS


def parks_by_zip(parks: pl.LazyFrame) -> pl.LazyFrame:
    """Per zip code: number of parks, number of park features, and features of each kind."""
    return parks.group_by("zip_code").agg(
        num_parks=pl.len().cast(pl.Int64),
        num_park_features=pl.col("num_features").sum().cast(pl.Int64),
        **{column: pl.col(column).sum().cast(pl.Int64) for column in FEATURE_KIND_COLUMNS},
    )


def houses_with_parks(houses: pl.LazyFrame, parks: pl.LazyFrame) -> pl.LazyFrame:
    """One row per sold house, in silver's order, with its zip code's park counts (0 when none)."""
    return houses.join(
        parks_by_zip(parks), left_on="zipcode", right_on="zip_code", how="left", maintain_order="left"
    ).with_columns(pl.col(PARK_FEATURE_COLUMNS).fill_null(0))
