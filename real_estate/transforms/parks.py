"""Silver parks: typed, cleaned, one row per park, with its features counted by kind."""

import polars as pl

from real_estate.contracts.park_features import (
    FEATURE_KIND_COLUMNS,
    FEATURE_KINDS,
    KINDS,
    OTHER_KIND,
    kind_column,
)

LOCATION_DTYPE = pl.Struct({"latitude": pl.String, "longitude": pl.String})


def _digits_or_null(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)


def clean_park_addresses(addresses: pl.LazyFrame) -> pl.LazyFrame:
    """Typed Park Addresses rows: integer ids, 5-digit zip, float coordinates, lat/lon when given."""
    if "location_1" not in addresses.collect_schema().names():
        addresses = addresses.with_columns(location_1=pl.lit(None, pl.String))
    location = pl.col("location_1").str.json_decode(LOCATION_DTYPE)
    return addresses.select(
        pmaid=_digits_or_null("pmaid"),
        locid=_digits_or_null("locid"),
        name=pl.col("name").str.strip_chars(),
        address=pl.col("address").str.strip_chars(),
        zip_code=pl.col("zip_code").str.extract(r"^\s*(\d{5})"),
        x_coord=pl.col("x_coord").cast(pl.Float64, strict=False),
        y_coord=pl.col("y_coord").cast(pl.Float64, strict=False),
        latitude=location.struct.field("latitude").cast(pl.Float64, strict=False),
        longitude=location.struct.field("longitude").cast(pl.Float64, strict=False),
    )


def feature_kind(description: pl.Expr) -> pl.Expr:
    """The canonical kind of a free-text feature description."""
    lowered = description.str.to_lowercase()
    kind = pl.lit(OTHER_KIND)
    for name, pattern in reversed(FEATURE_KINDS.items()):
        kind = pl.when(lowered.str.contains(pattern)).then(pl.lit(name)).otherwise(kind)
    return kind


def clean_park_features(features: pl.LazyFrame) -> pl.LazyFrame:
    """Typed Park Features rows with their canonical kind; one row per (park, feature)."""
    return (
        features.select(
            pmaid=_digits_or_null("pmaid"),
            feature_desc=pl.col("feature_desc").str.strip_chars(),
        )
        .drop_nulls(["pmaid", "feature_desc"])
        .unique(["pmaid", "feature_desc"])
        .with_columns(feature_kind=feature_kind(pl.col("feature_desc")))
    )


def build_parks(addresses: pl.LazyFrame, features: pl.LazyFrame) -> pl.LazyFrame:
    """One row per park: its first listed location, its feature list and per-kind counts.

    Address rows without a usable park id or zip code cannot be placed and are left out;
    the caller reports how many.
    """
    locations = (
        clean_park_addresses(addresses)
        .drop_nulls(["pmaid", "zip_code"])
        .sort(["pmaid", "locid"], nulls_last=True)
        .group_by("pmaid", maintain_order=True)
        .agg(
            pl.col("name", "address", "zip_code", "x_coord", "y_coord").first(),
            # A park's coordinates are those of the first location that has them.
            pl.col("latitude").drop_nulls().first(),
            pl.col("longitude").drop_nulls().first(),
            num_locations=pl.len().cast(pl.Int64),
        )
    )
    per_park = (
        clean_park_features(features)
        .sort(["pmaid", "feature_desc"])
        .group_by("pmaid")
        .agg(
            features=pl.col("feature_desc"),
            num_features=pl.len().cast(pl.Int64),
            **{kind_column(kind): (pl.col("feature_kind") == kind).sum().cast(pl.Int64) for kind in KINDS},
        )
    )
    counts = ["num_features", *FEATURE_KIND_COLUMNS]
    return (
        locations.join(per_park, on="pmaid", how="left")
        .with_columns(
            pl.col(counts).fill_null(0),
            pl.col("features").fill_null(pl.lit([], pl.List(pl.String))),
        )
        .sort("pmaid")
    )


def orphan_features(addresses: pl.LazyFrame, features: pl.LazyFrame) -> pl.LazyFrame:
    """Feature rows whose park id is not among the parks: they cannot be joined."""
    park_ids = clean_park_addresses(addresses).select("pmaid").drop_nulls().unique()
    return clean_park_features(features).join(park_ids, on="pmaid", how="anti")


def dropped_parks(addresses: pl.LazyFrame, parks: pl.LazyFrame) -> pl.LazyFrame:
    """Bronze address rows of parks that have no row in silver parks (no usable id or zip code)."""
    kept = parks.select(kept_pmaid=pl.col("pmaid"))
    return (
        addresses.with_columns(kept_pmaid=_digits_or_null("pmaid"))
        .join(kept, on="kept_pmaid", how="anti", nulls_equal=False)
        .drop("kept_pmaid")
    )
