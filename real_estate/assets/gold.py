"""Gold: the ML feature set, each sold house joined with the parks of its zip code."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from real_estate.assets.common import DATA_ENGINEERING
from real_estate.assets.conditions import when_inputs_ready
from real_estate.assets.silver import SILVER_HOUSE_SALES_KEY, SILVER_PARKS_KEY
from real_estate.checks import (
    CheckedOutput,
    mismatched_ids,
    publish_checked,
    rows_check,
    same_ids,
    schema_check_spec,
)
from real_estate.contracts import park_features
from real_estate.contracts.house_sales import SILVER_COLUMNS
from real_estate.metadata import model_metadata
from real_estate.partitions import daily_partitions
from real_estate.resources.lake import StagedParquet
from real_estate.schemas.gold import HousesWithParksGold
from real_estate.storage import staging
from real_estate.transforms import features as features_transforms
from real_estate.transforms.features import houses_with_parks as join_houses_with_parks
from real_estate.transforms.versions import source_version

HOUSES_WITH_PARKS_KEY = dg.AssetKey(["gold", "houses_with_parks"])
ONE_ROW_PER_SALE = "one_row_per_sale"
# Deterministic in silver: its data version follows from this and silver's (see silver.py).
GOLD_CODE_VERSION = source_version(features_transforms, park_features)


@dg.asset(
    key=HOUSES_WITH_PARKS_KEY,
    ins={
        "house_sales": dg.AssetIn(key=SILVER_HOUSE_SALES_KEY),
        "parks": dg.AssetIn(key=SILVER_PARKS_KEY),
    },
    group_name="gold",
    partitions_def=daily_partitions,
    owners=[DATA_ENGINEERING],
    kinds={"polars", "parquet"},
    metadata=model_metadata(HousesWithParksGold),
    code_version=GOLD_CODE_VERSION,
    # Joins parks and house sales of the same day: materialize once both are there.
    automation_condition=when_inputs_ready(),
    check_specs=[
        schema_check_spec(HOUSES_WITH_PARKS_KEY, HousesWithParksGold),
        dg.AssetCheckSpec(
            ONE_ROW_PER_SALE,
            asset=HOUSES_WITH_PARKS_KEY,
            blocking=True,
            description="Exactly one row per house sold that day in silver (row count vs silver).",
        ),
    ],
)
def houses_with_parks(
    context: dg.AssetExecutionContext, house_sales: pl.LazyFrame, parks: pl.LazyFrame
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Each house sold that day with its zip code's number of parks and park features by kind."""
    with staging() as folder:
        features = StagedParquet(folder / "houses_with_parks.parquet")
        join_houses_with_parks(house_sales, parks).sink_parquet(features.path)
        names = ("silver/house_sales", "gold/houses_with_parks")
        one_per_sale = same_ids(house_sales, features.lazy())
        mismatched = (
            pl.DataFrame(schema={"id": pl.Int64, names[0]: pl.UInt32, names[1]: pl.UInt32})
            if one_per_sale
            else mismatched_ids(house_sales, features.lazy(), names)
        )
        with_parks = features.lazy().filter(pl.col("num_parks") > 0).select(pl.len()).collect().item()
        yield from publish_checked(
            context,
            [
                CheckedOutput(
                    HOUSES_WITH_PARKS_KEY,
                    features,
                    HousesWithParksGold,
                    metadata={"houses_in_zip_codes_with_parks": with_parks},
                    # A left join passes silver's audited columns through: with silver's ids once
                    # each, only the park counts are new.
                    proven_columns=SILVER_COLUMNS if one_per_sale else (),
                    checks=[
                        rows_check(
                            ONE_ROW_PER_SALE,
                            HOUSES_WITH_PARKS_KEY,
                            context.partition_key,
                            mismatched,
                            "house ids are not exactly once in both silver and gold",
                        )
                    ],
                )
            ],
        )
