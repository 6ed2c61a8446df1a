"""A snapshot of the asset graph: an accidental change to keys, deps, groups or checks shows in review."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from real_estate import definitions
from real_estate.partitions import daily_partitions

defs = definitions.defs()  # loaded as Dagster loads it, from this process's (default) environment

EXPECTED_GRAPH = {
    "landing/house_sales": ("landing", set()),
    "bronze/park_features": ("bronze", set()),
    "bronze/parks_addresses": ("bronze", set()),
    "bronze/house_sales": ("bronze", {"landing/house_sales"}),
    "silver/parks": ("silver", {"bronze/parks_addresses", "bronze/park_features"}),
    "silver/house_sales": ("silver", {"bronze/house_sales"}),
    "silver/house_sales_rejected": ("silver", {"bronze/house_sales"}),
    "gold/houses_with_parks": ("gold", {"silver/house_sales", "silver/parks"}),
    "warehouse/parks": ("warehouse", {"silver/parks"}),
    "warehouse/house_sales": ("warehouse", {"silver/house_sales"}),
    "ml/price_model": ("ml", {"gold/houses_with_parks"}),
    "gold/price_predictions": ("ml", {"gold/houses_with_parks", "ml/price_model"}),
    "warehouse/price_predictions": ("ml", {"gold/price_predictions"}),
}
EXPECTED_CHECKS = {
    "bronze/park_features:schema",
    "bronze/park_features:schema_drift",
    "bronze/parks_addresses:schema",
    "bronze/parks_addresses:schema_drift",
    "bronze/house_sales:schema",
    "silver/parks:schema",
    "silver/parks:every_bronze_park_kept",
    "silver/parks:features_reference_parks",
    "silver/house_sales:schema",
    "silver/house_sales:rejected_share_within_threshold",
    "silver/house_sales:every_bronze_row_accounted_for",
    "silver/house_sales_rejected:schema",
    "gold/houses_with_parks:schema",
    "gold/houses_with_parks:one_row_per_sale",
    "gold/price_predictions:schema",
    "gold/price_predictions:one_prediction_per_house",
    "gold/price_predictions:feature_drift",
    "warehouse/price_predictions:row_count_matches_gold",
    "warehouse/parks:row_count_matches_silver",
    "warehouse/house_sales:row_count_matches_silver",
    "ml/price_model:beats_zip_median_baseline",
}


def test_asset_graph_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    actual = {
        key.to_user_string(): (
            graph.get(key).group_name,
            {parent.to_user_string() for parent in graph.get(key).parent_keys},
        )
        for key in graph.get_all_asset_keys()
    }
    assert actual == EXPECTED_GRAPH


UNPARTITIONED = {"ml/price_model"}  # one model, a new version per materialization


def test_every_asset_but_the_model_is_daily_partitioned_described_and_owned() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        expected = None if key.to_user_string() in UNPARTITIONED else daily_partitions
        assert node.partitions_def == expected, key
        assert node.description and "\n" not in node.description.strip(), key
        assert node.owners, key
        assert node.kinds, key
        # Not ours to keep fresh: the model retrains weekly, the landing zone is written by producers.
        unpoliced = key.to_user_string() in ("ml/price_model", "landing/house_sales")
        assert (node.freshness_policy is None) == unpoliced, key
    assert daily_partitions.start.date().isoformat() == "2026-01-01"


def test_every_check_blocks_but_the_drift_warnings() -> None:
    graph = defs.resolve_asset_graph()
    checks = {f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys}
    assert checks == EXPECTED_CHECKS
    specs = [spec for node in defs.assets for spec in getattr(node, "check_specs", [])]
    assert len(specs) == len(EXPECTED_CHECKS)
    assert {spec.name for spec in specs if not spec.blocking} == {
        "schema_drift",
        "features_reference_parks",
        "feature_drift",
    }


def test_column_schemas_come_from_the_pandera_models() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if key.path[0] in ("warehouse", "ml"):
            continue
        schema = graph.get(key).metadata["dagster/column_schema"].schema
        assert schema.columns, key
    silver = graph.get(dg.AssetKey(["silver", "house_sales"])).metadata["dagster/column_schema"].schema
    price = next(column for column in silver.columns if column.name == "price")
    assert price.type == "Float64" and "> 0" in price.constraints.other


def test_dagster_definitions_validate_passes() -> None:
    root = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate"],
        cwd=root,
        env=os.environ | {"DAGSTER_HOME": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_jobs_schedules_and_sensors_are_named_for_what_they_do() -> None:
    assert {job.name for job in defs.jobs} == {"refresh_parks", "ingest_house_sales", "retrain_price_model"}
    assert {schedule.name for schedule in defs.schedules} == {
        "daily_parks_refresh",
        "weekly_price_model_retraining",
    }
    assert {sensor.name for sensor in defs.sensors} == {
        "house_sales_landing_sensor",
        "slack_on_run_failure",
        "gold_when_inputs_ready",
    }
    graph = defs.resolve_asset_graph()
    automated = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).automation_condition is not None
    }
    # Everything after bronze follows its inputs by automation, but silver house sales (with its
    # quarantine: the ingest job builds it from the drop) and the model (a schedule trains it).
    assert automated == {
        "silver/parks",
        "warehouse/parks",
        "warehouse/house_sales",
        "gold/houses_with_parks",
        "gold/price_predictions",
        "warehouse/price_predictions",
    }
