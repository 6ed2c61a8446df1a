"""Reporting: silver parks and house sales loaded un-aggregated into the warehouse for BI tools.

`warehouse_load_asset` also records every scoring of the price model (`predictions.py`)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import dagster as dg
import pandera.polars as pa
import polars as pl

from real_estate.assets.common import ANALYTICS, partition_day
from real_estate.assets.conditions import when_inputs_ready
from real_estate.assets.silver import SILVER_HOUSE_SALES_KEY, SILVER_PARKS_KEY
from real_estate.partitions import daily_partitions
from real_estate.resources.warehouse import WarehouseResource
from real_estate.resources.warehouse_sql import RowCountMismatchError
from real_estate.schemas.silver import HouseSalesSilver, ParksSilver

ROW_COUNT_CHECK = "row_count_matches_silver"


@dataclass(frozen=True)
class Load:
    """What one warehouse asset loads: from which lake asset, into which table, replacing what."""

    table: str
    model: type[pa.DataFrameModel]
    source: dg.AssetKey
    check_name: str = ROW_COUNT_CHECK
    # Columns that name a slice of the partition: only that slice is replaced (an append-only history).
    slice_by: tuple[str, ...] = ()
    prepare: Callable[[pl.DataFrame], pl.DataFrame] = lambda frame: frame
    group: str = "warehouse"

    @property
    def layer(self) -> str:
        return self.source.path[0]


def row_count_result(
    load: Load, partition_key: str, warehouse_rows: int, source_rows: int
) -> dg.AssetCheckResult:
    """The audit done inside the load's transaction, before its commit, as the asset's check."""
    passed = warehouse_rows == source_rows
    return dg.AssetCheckResult(
        check_name=load.check_name,
        passed=passed,
        metadata={
            "partition": partition_key,
            "warehouse_rows": warehouse_rows,
            f"{load.layer}_rows": source_rows,
        },
        description=(
            f"partition {partition_key}: {warehouse_rows} rows, as in {load.layer}"
            if passed
            else f"partition {partition_key}: the load would hold {warehouse_rows} rows for {source_rows} "
            f"{load.layer} rows; rolled back before the commit"
        ),
    )


def warehouse_load_asset(
    load: Load, description: str, automation_condition: dg.AutomationCondition | None = None
) -> dg.AssetsDefinition:
    """An asset that loads one lake partition into a warehouse table, audited before its commit."""
    key = dg.AssetKey(["warehouse", load.table])

    @dg.asset(
        key=key,
        ins={"rows": dg.AssetIn(key=load.source)},
        description=description,
        group_name=load.group,
        partitions_def=daily_partitions,
        owners=[ANALYTICS],
        kinds={"sql"},
        automation_condition=automation_condition,
        check_specs=[
            dg.AssetCheckSpec(
                load.check_name,
                asset=key,
                blocking=True,
                description=(
                    f"The warehouse holds exactly the {load.layer} rows of the partition; audited inside "
                    "the load's transaction, so a mismatch is rolled back before BI sees it."
                ),
            )
        ],
    )
    def load_partition(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, rows: pl.LazyFrame
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        day = partition_day(context)
        frame = load.prepare(rows.collect())
        if load.slice_by and frame.is_empty():
            # A slice is named by its rows (e.g. a scoring by its model version): none, nothing to add.
            context.log.info(f"{key.to_user_string()} [{day}]: no rows, so nothing to add")
            yield dg.MaterializeResult(
                metadata={"dagster/row_count": 0, "warehouse": warehouse.kind},
                check_results=[row_count_result(load, context.partition_key, 0, 0)],
            )
            return
        try:
            result = warehouse.replace_partition(load.table, load.model, day, frame, load.slice_by)
        except RowCountMismatchError as mismatch:
            # Rolled back before the commit: BI still sees the partition's previous rows.
            yield row_count_result(load, context.partition_key, mismatch.rows_in_partition, frame.height)
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
            check_results=[
                row_count_result(load, context.partition_key, result.rows_in_partition, frame.height)
            ],
        )

    return load_partition


parks = warehouse_load_asset(
    Load("parks", ParksSilver, SILVER_PARKS_KEY),
    "Silver parks of the day loaded into the warehouse; the partition's rows are replaced.",
    # Jobs load it with silver; a silver day rebuilt on its own (any day) is loaded again too.
    automation_condition=when_inputs_ready(window=None),
)
house_sales = warehouse_load_asset(
    Load("house_sales", HouseSalesSilver, SILVER_HOUSE_SALES_KEY),
    "Silver house sales of the day loaded into the warehouse; the partition's rows are replaced.",
    automation_condition=when_inputs_ready(window=None),
)
