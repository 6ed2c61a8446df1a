"""Reporting: silver parks and house sales loaded un-aggregated into the warehouse for BI tools."""

import dagster as dg
import pandera.polars as pa
import polars as pl

from real_estate.assets.common import ANALYTICS, partition_day
from real_estate.partitions import daily_partitions
from real_estate.resources.warehouse import WarehouseResource
from real_estate.schemas.silver import HouseSalesSilver, ParksSilver

ROW_COUNT_CHECK = "row_count_matches_silver"


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
                description="The warehouse holds exactly the silver rows of the partition.",
            )
        ],
    )
    def load(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, silver_rows: pl.LazyFrame
    ) -> dg.MaterializeResult:
        day = partition_day(context)
        frame = silver_rows.collect()
        result = warehouse.replace_partition(table, model, day, frame)
        context.log.info(
            f"{key.to_user_string()} [{day}]: {result.rows_loaded} rows loaded into {result.table}, "
            f"{result.rows_replaced} replaced, in {result.seconds:.2f} s"
        )
        return dg.MaterializeResult(
            metadata={
                "table": result.table,
                "dagster/row_count": result.rows_loaded,
                "rows_replaced": result.rows_replaced,
                "load_seconds": result.seconds,
                "warehouse": warehouse.kind,
                "columns_added": ", ".join(result.columns_added) or "none",
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=ROW_COUNT_CHECK,
                    passed=result.rows_in_partition == frame.height,
                    metadata={
                        "partition": context.partition_key,
                        "warehouse_rows": result.rows_in_partition,
                        "silver_rows": frame.height,
                    },
                )
            ],
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
