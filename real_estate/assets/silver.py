"""Silver: parks and house sales typed, cleaned and de-duplicated; broken sale rows quarantined."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from real_estate.assets.common import DATA_ENGINEERING, partition_day
from real_estate.checks import CheckedOutput, publish_checked, schema_check_spec
from real_estate.metadata import model_metadata
from real_estate.partitions import daily_partitions
from real_estate.schemas.silver import HouseSalesRejectedSilver, HouseSalesSilver, ParksSilver
from real_estate.transforms.house_sales import split_house_sales
from real_estate.transforms.parks import build_parks, orphan_features

PARKS_KEY = dg.AssetKey(["silver", "parks"])
HOUSE_SALES_KEY = dg.AssetKey(["silver", "house_sales"])
REJECTED_KEY = dg.AssetKey(["silver", "house_sales_rejected"])


@dg.asset(
    key=PARKS_KEY,
    ins={
        "addresses": dg.AssetIn(key=["bronze", "parks_addresses"]),
        "features": dg.AssetIn(key=["bronze", "park_features"]),
    },
    group_name="silver",
    partitions_def=daily_partitions,
    owners=[DATA_ENGINEERING],
    kinds={"polars", "parquet"},
    metadata=model_metadata(ParksSilver),
    check_specs=[schema_check_spec(PARKS_KEY, ParksSilver)],
)
def parks(
    context: dg.AssetExecutionContext, addresses: pl.LazyFrame, features: pl.LazyFrame
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """One row per park: location, zip code, coordinates, feature list and counts per feature kind."""
    parks_frame, address_rows, orphans = pl.collect_all(
        [build_parks(addresses, features), addresses.select(pl.len()), orphan_features(addresses, features)]
    )
    if orphans.height:
        context.log.warning(
            f"silver/parks [{context.partition_key}]: {orphans.height} feature rows name a park id "
            "not in Park Addresses; they are not joined"
        )
    yield from publish_checked(
        context,
        [
            CheckedOutput(
                PARKS_KEY,
                parks_frame,
                ParksSilver,
                metadata={
                    "address_rows": address_rows.item(),
                    "orphan_feature_rows": orphans.height,
                },
            )
        ],
    )


@dg.multi_asset(
    name="silver_house_sales",
    outs={
        "house_sales": dg.AssetOut(
            key=HOUSE_SALES_KEY,
            description="The day's house sales: typed, one row per house id, every row rule met.",
            owners=[DATA_ENGINEERING],
            kinds={"polars", "parquet"},
            metadata=model_metadata(HouseSalesSilver),
        ),
        "house_sales_rejected": dg.AssetOut(
            key=REJECTED_KEY,
            description="Quarantine: rows of the day's drop that broke a rule, with every reason.",
            owners=[DATA_ENGINEERING],
            kinds={"polars", "parquet"},
            metadata=model_metadata(HouseSalesRejectedSilver),
        ),
    },
    ins={"raw": dg.AssetIn(key=["bronze", "house_sales"])},
    group_name="silver",
    partitions_def=daily_partitions,
    check_specs=[
        schema_check_spec(HOUSE_SALES_KEY, HouseSalesSilver),
        schema_check_spec(REJECTED_KEY, HouseSalesRejectedSilver),
    ],
)
def house_sales(
    context: dg.AssetExecutionContext, raw: pl.LazyFrame
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Type the day's drop, keep valid unique sales, and quarantine the rest with their reasons."""
    valid, rejected = pl.collect_all(split_house_sales(raw, partition_day(context)))
    total = valid.height + rejected.height
    rejected_share = rejected.height / total if total else 0.0
    if rejected.height:
        context.log.warning(
            f"silver/house_sales [{context.partition_key}]: {rejected.height} of {total} rows "
            "rejected; see silver/house_sales_rejected"
        )
    yield from publish_checked(
        context,
        [
            CheckedOutput(
                HOUSE_SALES_KEY,
                valid,
                HouseSalesSilver,
                output_name="house_sales",
                metadata={"rows_rejected": rejected.height, "rejected_share": rejected_share},
            ),
            CheckedOutput(
                REJECTED_KEY, rejected, HouseSalesRejectedSilver, output_name="house_sales_rejected"
            ),
        ],
    )
