"""Reporting: silver parks and house sales loaded un-aggregated into the warehouse for BI tools."""

from collections.abc import Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl

from real_estate.assets.common import ANALYTICS, partition_day
from real_estate.partitions import daily_partitions
from real_estate.resources.warehouse import WarehouseResource
from real_estate.resources.warehouse_sql import RowCountMismatchError
from real_estate.schemas.silver import HouseSalesSilver, ParksSilver

ROW_COUNT_CHECK = "row_count_matches_silver"


def row_count_result(partition_key: str, warehouse_rows: int, silver_rows: int) -> dg.AssetCheckResult:
    """The audit done inside the load's transaction, before its commit, as the asset's check."""
    passed = warehouse_rows == silver_rows
    return dg.AssetCheckResult(
        check_name=ROW_COUNT_CHECK,
        passed=passed,
        metadata={"partition": partition_key, "warehouse_rows": warehouse_rows, "silver_rows": silver_rows},
        description=(
            f"partition {partition_key}: {warehouse_rows} rows, as in silver"
            if passed
            else f"partition {partition_key}: the load would hold {warehouse_rows} rows for {silver_rows} "
            "silver rows; rolled back before the commit"
        ),
    )


def warehouse_load_asset(table: str, model: type[pa.DataFrameModel], description: str) -> dg.AssetsDefinition:
    """An asset that replaces one silver partition's rows in warehouse table `table`."""
    key = dg.AssetKey(["warehouse", table])

    @dg.asset(
        key=key,
        ins={"silver_rows": dg.AssetIn(key=["silver", table])},
        description=description,
        group_name="warehouse",
        partitions_def=daily_partitions,
        owners=[ANALYTICS],
        kinds={"sql"},
        check_specs=[
            dg.AssetCheckSpec(
                ROW_COUNT_CHECK,
                asset=key,
                blocking=True,
                description=(
                    "The warehouse holds exactly the silver rows of the partition; audited inside the "
                    "load's transaction, so a mismatch is rolled back before BI sees it."
                ),
            )
        ],
    )
    def load(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, silver_rows: pl.LazyFrame
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        day = partition_day(context)
        frame = silver_rows.collect()
        try:
            result = warehouse.replace_partition(table, model, day, frame)
        except RowCountMismatchError as mismatch:
            # Rolled back before the commit: BI still sees the partition's previous rows.
            yield row_count_result(context.partition_key, mismatch.rows_in_partition, frame.height)
            raise dg.Failure(
                description=f"{key.to_user_string()} [{day}]: {mismatch}", allow_retries=False
            ) from mismatch
        context.log.info(
            f"{key.to_user_string()} [{day}]: {result.rows_loaded} rows loaded into {result.table}, "
            f"{result.rows_replaced} replaced, in {result.seconds:.2f} s"
        )
        yield dg.MaterializeResult(
            metadata={
                "table": result.table,
                "dagster/row_count": result.rows_loaded,
                "rows_replaced": result.rows_replaced,
                "load_seconds": result.seconds,
                "warehouse": warehouse.kind,
                "columns_added": ", ".join(result.columns_added) or "none",
            },
            check_results=[row_count_result(context.partition_key, result.rows_in_partition, frame.height)],
        )

    return load


parks = warehouse_load_asset(
    "parks",
    ParksSilver,
    "Silver parks of the day loaded into the warehouse; the partition's rows are replaced.",
)
house_sales = warehouse_load_asset(
    "house_sales",
    HouseSalesSilver,
    "Silver house sales of the day loaded into the warehouse; the partition's rows are replaced.",
)
