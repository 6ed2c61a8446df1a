"""Silver: parks and house sales typed, cleaned and de-duplicated; broken sale rows quarantined."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from real_estate.assets.bronze import BRONZE_HOUSE_SALES_KEY, PARK_FEATURES_KEY, PARKS_ADDRESSES_KEY
from real_estate.assets.common import DATA_ENGINEERING, partition_day
from real_estate.assets.conditions import when_inputs_ready
from real_estate.checks import (
    CheckedOutput,
    audit_counts,
    count_check,
    publish_checked,
    rows_check,
    schema_check_spec,
)
from real_estate.contracts import house_sales as house_sales_contract
from real_estate.contracts import park_features, rules
from real_estate.metadata import markdown_table, model_metadata
from real_estate.partitions import daily_partitions
from real_estate.resources.lake import StagedParquet
from real_estate.resources.quality import DataQualityResource
from real_estate.schemas.silver import HouseSalesRejectedSilver, HouseSalesSilver, ParksSilver, day_checks
from real_estate.storage import staging
from real_estate.transforms import house_sales as house_sales_transforms
from real_estate.transforms import parks as parks_transforms
from real_estate.transforms.house_sales import split_house_sales
from real_estate.transforms.parks import build_parks, dropped_parks, orphan_features
from real_estate.transforms.versions import source_version

SILVER_PARKS_KEY = dg.AssetKey(["silver", "parks"])
SILVER_HOUSE_SALES_KEY = dg.AssetKey(["silver", "house_sales"])
REJECTED_KEY = dg.AssetKey(["silver", "house_sales_rejected"])

NO_PARK_DROPPED = "every_bronze_park_kept"
FEATURES_REFERENCE_PARKS = "features_reference_parks"
REJECTED_SHARE = "rejected_share_within_threshold"
ROWS_ACCOUNTED = "every_bronze_row_accounted_for"
# Silver is a deterministic function of bronze: with a code version, Dagster derives each output's
# data version from it and bronze's, so re-running an unchanged day changes nothing downstream.
# The code versions are the source of the transforms and contracts that decide what silver holds.
SILVER_PARKS_CODE_VERSION = source_version(parks_transforms, park_features)
SILVER_HOUSE_SALES_CODE_VERSION = source_version(house_sales_transforms, house_sales_contract, rules)


@dg.asset(
    key=SILVER_PARKS_KEY,
    ins={
        "addresses": dg.AssetIn(key=PARKS_ADDRESSES_KEY),
        "features": dg.AssetIn(key=PARK_FEATURES_KEY),
    },
    group_name="silver",
    partitions_def=daily_partitions,
    owners=[DATA_ENGINEERING],
    kinds={"polars", "parquet"},
    metadata=model_metadata(ParksSilver),
    # Jobs build it with the day's snapshots; a snapshot refetched on its own (any day) rebuilds it.
    automation_condition=when_inputs_ready(window=None),
    code_version=SILVER_PARKS_CODE_VERSION,
    check_specs=[
        schema_check_spec(SILVER_PARKS_KEY, ParksSilver),
        dg.AssetCheckSpec(
            NO_PARK_DROPPED,
            asset=SILVER_PARKS_KEY,
            blocking=True,
            description="Every park id in bronze Park Addresses has its row in silver (row count vs bronze).",
        ),
        dg.AssetCheckSpec(
            FEATURES_REFERENCE_PARKS,
            asset=SILVER_PARKS_KEY,
            description="Warns when a park feature names a park id that Park Addresses does not have.",
        ),
    ],
)
def parks(
    context: dg.AssetExecutionContext, addresses: pl.LazyFrame, features: pl.LazyFrame
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """One row per park: location, zip code, coordinates, feature list and counts per feature kind."""
    parks_frame, address_rows, orphans = pl.collect_all(
        [build_parks(addresses, features), addresses.select(pl.len()), orphan_features(addresses, features)]
    )
    dropped = dropped_parks(addresses, parks_frame.lazy()).collect()
    if orphans.height:
        context.log.warning(
            f"silver/parks [{context.partition_key}]: {orphans.height} feature rows name a park id "
            "not in Park Addresses; they are not joined"
        )
    yield from publish_checked(
        context,
        [
            CheckedOutput(
                SILVER_PARKS_KEY,
                parks_frame,
                ParksSilver,
                metadata={"address_rows": address_rows.item(), "orphan_feature_rows": orphans.height},
                checks=[
                    rows_check(
                        NO_PARK_DROPPED,
                        SILVER_PARKS_KEY,
                        context.partition_key,
                        dropped,
                        "parks of bronze have no usable park id or 5-digit zip code and were left out",
                    ),
                    rows_check(
                        FEATURES_REFERENCE_PARKS,
                        SILVER_PARKS_KEY,
                        context.partition_key,
                        orphans,
                        "feature rows name a park id that Park Addresses does not have",
                        severity=dg.AssetCheckSeverity.WARN,
                    ),
                ],
            )
        ],
    )


@dg.multi_asset(
    name="silver_house_sales",
    outs={
        "house_sales": dg.AssetOut(
            key=SILVER_HOUSE_SALES_KEY,
            description="The day's house sales: typed, one row per house id, every row rule met.",
            owners=[DATA_ENGINEERING],
            kinds={"polars", "parquet"},
            metadata=model_metadata(HouseSalesSilver),
            code_version=SILVER_HOUSE_SALES_CODE_VERSION,
            is_required=False,
        ),
        "house_sales_rejected": dg.AssetOut(
            key=REJECTED_KEY,
            description="Quarantine: rows of the day's drop that broke a rule, with every reason.",
            owners=[DATA_ENGINEERING],
            kinds={"polars", "parquet"},
            metadata=model_metadata(HouseSalesRejectedSilver),
            code_version=SILVER_HOUSE_SALES_CODE_VERSION,
            is_required=False,
        ),
    },
    ins={"raw": dg.AssetIn(key=BRONZE_HOUSE_SALES_KEY)},
    group_name="silver",
    partitions_def=daily_partitions,
    check_specs=[
        schema_check_spec(SILVER_HOUSE_SALES_KEY, HouseSalesSilver),
        dg.AssetCheckSpec(
            REJECTED_SHARE,
            asset=SILVER_HOUSE_SALES_KEY,
            blocking=True,
            description="The share of the drop's rows quarantined stays within the configured threshold.",
        ),
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED,
            asset=SILVER_HOUSE_SALES_KEY,
            blocking=True,
            description="Valid plus quarantined rows equal the rows of bronze (row count vs bronze).",
        ),
        schema_check_spec(REJECTED_KEY, HouseSalesRejectedSilver),
    ],
)
def house_sales(
    context: dg.AssetExecutionContext, raw: pl.LazyFrame, quality: DataQualityResource
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Type the day's drop, keep valid unique sales, and quarantine the rest with their reasons.

    The quarantine is written even when the valid rows are held back, so every broken row of a
    bad drop can be found with its reason.
    """
    day = partition_day(context)
    with staging() as folder:
        valid, rejected = (
            StagedParquet(folder / "house_sales.parquet"),
            StagedParquet(folder / "rejected.parquet"),
        )
        audited = stage_split(raw, day, valid, rejected)
        total, valid_rows, rejected_rows = (
            raw.select(pl.len()).collect().item(),
            valid.rows(),
            rejected.rows(),
        )
        rejected_share = rejected_rows / total if total else 0.0
        if rejected_rows:
            context.log.warning(
                f"silver/house_sales [{day}]: {rejected_rows} of {total} rows rejected "
                f"({rejected_share:.2%}); see silver/house_sales_rejected"
            )
        limit = f"{quality.max_rejected_share:.2%} threshold"
        share_check = dg.AssetCheckResult(
            check_name=REJECTED_SHARE,
            asset_key=SILVER_HOUSE_SALES_KEY,
            passed=rejected_share <= quality.max_rejected_share,
            metadata={
                "partition": context.partition_key,
                "rows_rejected": rejected_rows,
                "rows_in_drop": total,
                "rejected_share": rejected_share,
                "max_rejected_share": quality.max_rejected_share,
                "reasons": dg.MetadataValue.md(_reason_counts(rejected.lazy())),
            },
            description=(
                f"partition {day}: {rejected_rows} of {total} rows ({rejected_share:.2%}) rejected, "
                + (
                    f"within the {limit}"
                    if rejected_share <= quality.max_rejected_share
                    else f"above the {limit}; see silver/house_sales_rejected"
                )
            ),
        )
        yield from publish_checked(
            context,
            [
                CheckedOutput(
                    SILVER_HOUSE_SALES_KEY,
                    valid,
                    HouseSalesSilver,
                    output_name="house_sales",
                    metadata={"rows_rejected": rejected_rows, "rejected_share": rejected_share},
                    column_checks=day_checks(day),
                    audit_counts=audited,
                    checks=[
                        share_check,
                        count_check(
                            ROWS_ACCOUNTED,
                            SILVER_HOUSE_SALES_KEY,
                            context.partition_key,
                            expected=("bronze rows", total),
                            actual=("valid + rejected rows", valid_rows + rejected_rows),
                        ),
                    ],
                ),
                CheckedOutput(
                    REJECTED_KEY, rejected, HouseSalesRejectedSilver, output_name="house_sales_rejected"
                ),
            ],
        )


def stage_split(
    raw: pl.LazyFrame, day: dt.date, valid: StagedParquet, rejected: StagedParquet
) -> pl.DataFrame:
    """Stream the drop's valid and rejected rows to their staged files in one pass over bronze, and
    return the valid rows' audit (`audit_counts` of the silver model), counted in that same pass."""
    kept, quarantined = split_house_sales(raw, day)
    *_, audited = pl.collect_all(
        [
            kept.sink_parquet(valid.path, lazy=True),
            quarantined.sink_parquet(rejected.path, lazy=True),
            audit_counts(kept, HouseSalesSilver, day_checks(day)),
        ],
        engine="streaming",
    )
    return audited


def _reason_counts(rejected: pl.LazyFrame) -> str:
    """Rejected rows per reason, as a markdown table."""
    counts = (
        rejected.select(pl.col("reject_reason").str.split("; ").alias("reason"))
        .explode("reason")
        .group_by("reason")
        .agg(rows=pl.len())
        .sort("rows", "reason", descending=[True, False])
        .collect()
    )
    return markdown_table(counts, max_rows=20)
