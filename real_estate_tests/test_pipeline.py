"""The whole asset graph materialized in-process on temporary folders (embedded defaults)."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.resources.mlflow import CHAMPION, MlflowResource
from real_estate_tests.conftest import FIRST_DAY, LAKE_ASSET_KEYS, Pipeline

HISTORY = [FIRST_DAY + dt.timedelta(days=n) for n in range(4)]
DAY = FIRST_DAY + dt.timedelta(days=4)


def run_history_and_day(pipeline: Pipeline) -> dg.ExecuteInProcessResult:
    for day in [*HISTORY, DAY]:
        pipeline.write_drop(day)
    for day in HISTORY:
        assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success
    return pipeline.materialize(DAY)


def registry(pipeline: Pipeline) -> MlflowResource:
    return MlflowResource(
        tracking_uri=pipeline.settings.mlflow_tracking_uri,
        artifacts_url=pipeline.settings.mlflow_artifacts_url,
    )


def test_every_asset_and_check_materializes_for_a_partition(pipeline: Pipeline) -> None:
    result = run_history_and_day(pipeline)

    assert result.success
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert materialized == {
        *LAKE_ASSET_KEYS,
        "warehouse/parks",
        "warehouse/house_sales",
        "warehouse/price_predictions",
        "ml/price_model",
    }
    checks = {
        dg.AssetCheckKey(c.asset_key, c.check_name): c.passed for c in result.get_asset_check_evaluations()
    }
    assert set(checks) == set(pipeline.defs.resolve_asset_graph().asset_check_keys)
    assert all(checks.values())

    houses = pipeline.lake_frame("silver/house_sales", DAY)
    gold = pipeline.lake_frame("gold/houses_with_parks", DAY)
    predictions = pipeline.lake_frame("gold/price_predictions", DAY)
    assert gold.height == houses.height == 120
    assert gold["id"].sort().to_list() == predictions["id"].sort().to_list()
    assert gold["num_parks"].sum() > 0

    champion = registry(pipeline).alias_version(CHAMPION)
    assert champion is not None
    assert predictions["model_version"].unique().to_list() == [str(champion.version)]

    warehouse_path = pipeline.settings.warehouse_url.removeprefix("duckdb:///")
    with duckdb.connect(warehouse_path, read_only=True) as connection:
        counted = connection.execute(
            "SELECT count(*) FROM real_estate.house_sales WHERE partition_date = ?", [DAY]
        ).fetchone()[0]
    assert counted == houses.height


def test_rerunning_a_partition_gives_identical_outputs_and_no_partial_files(pipeline: Pipeline) -> None:
    run_history_and_day(pipeline)
    before = {
        key: pipeline.lake_frame(key, DAY) for key in LAKE_ASSET_KEYS if key.startswith(("bronze", "silver"))
    }

    assert pipeline.materialize(DAY, UPSTREAM_OF_MODEL | dg.AssetSelection.groups("warehouse")).success

    for key, frame in before.items():
        assert pipeline.lake_frame(key, DAY).equals(frame), key
    lake = Path(pipeline.settings.lake_url)
    assert not list(lake.rglob("*.tmp")), "a temporary file was left behind"
    warehouse_path = pipeline.settings.warehouse_url.removeprefix("duckdb:///")
    with duckdb.connect(warehouse_path, read_only=True) as connection:
        rows = connection.execute("SELECT count(*) FROM real_estate.house_sales").fetchone()[0]
    assert rows == before["silver/house_sales"].height


def test_a_drop_missing_a_column_writes_nothing_and_blocks_downstream(pipeline: Pipeline) -> None:
    pipeline.write_drop(DAY)
    assert pipeline.materialize(DAY, UPSTREAM_OF_MODEL).success
    bronze_before = pipeline.lake_frame("bronze/house_sales", DAY)

    drop = Path(pipeline.write_drop(DAY))
    broken = pl.read_csv(drop, infer_schema=False).drop("price")
    broken.write_csv(drop)
    result = pipeline.materialize(DAY, UPSTREAM_OF_MODEL, raise_on_error=False)

    assert not result.success
    failure = result.failure_data_for_node("bronze__house_sales")
    assert DAY.isoformat() in failure.error.message and "lacks columns [price]" in failure.error.message
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert materialized == {"bronze/parks_addresses", "bronze/park_features", "silver/parks"}
    assert pipeline.lake_frame("bronze/house_sales", DAY).equals(bronze_before)


def test_training_without_history_fails_clearly(pipeline: Pipeline) -> None:
    pipeline.write_drop(DAY)
    result = pipeline.materialize(DAY, raise_on_error=False)

    assert not result.success
    failure = result.failure_data_for_node("ml__price_model")
    assert "Materialize those partitions first" in failure.error.message
    assert pipeline.lake_frame("gold/houses_with_parks", DAY).height == 120


@pytest.mark.parametrize("missing_day", [DAY])
def test_a_missing_drop_names_the_partition_and_the_expected_file(
    pipeline: Pipeline, missing_day: dt.date
) -> None:
    result = pipeline.materialize(
        missing_day, dg.AssetSelection.assets(["bronze", "house_sales"]), raise_on_error=False
    )

    assert not result.success
    message = result.failure_data_for_node("bronze__house_sales").error.message
    assert missing_day.isoformat() in message and "house_sales" in message
