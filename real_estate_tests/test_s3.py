"""The same graph against a real S3-compatible server on 127.0.0.1, configured only by AWS variables."""

import datetime as dt
import uuid
from pathlib import Path

import boto3
import dagster as dg
import mlflow
import polars as pl

from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate_tests.conftest import FIRST_DAY, LAKE_ASSET_KEYS, local_env, make_pipeline

HISTORY = [FIRST_DAY + dt.timedelta(days=n) for n in range(3)]
DAY = FIRST_DAY + dt.timedelta(days=3)


def new_bucket() -> str:
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


def lake_on_s3(tmp_path: Path, bucket: str) -> dict[str, str]:
    """Test settings with the lake and the landing zone in `bucket`."""
    return local_env(tmp_path) | {
        "REAL_ESTATE_LAKE_URL": f"s3://{bucket}/lake",
        "REAL_ESTATE_LANDING_URL": f"s3://{bucket}/landing",
    }


def test_graph_materializes_on_s3(s3_endpoint: str, tmp_path: Path, instance: dg.DagsterInstance) -> None:
    bucket = new_bucket()
    s3 = boto3.client("s3")
    pipeline = make_pipeline(lake_on_s3(tmp_path, bucket), instance)
    for day in [*HISTORY, DAY]:
        assert pipeline.write_drop(day).startswith(f"s3://{bucket}/landing/house_sales/")
    for day in HISTORY:
        assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success

    result = pipeline.materialize(DAY)

    assert result.success
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="lake/")["Contents"]
    keys = {item["Key"] for item in listed}
    for asset in LAKE_ASSET_KEYS:
        assert f"lake/{asset}/{DAY.isoformat()}.parquet" in keys, asset
    assert not [key for key in keys if key.endswith(".tmp")]
    predictions = pl.read_parquet(f"s3://{bucket}/lake/gold/price_predictions/{DAY.isoformat()}.parquet")
    gold = pipeline.lake_frame("gold/houses_with_parks", DAY)
    assert predictions.height == gold.height > 0
    materialization = result.asset_materializations_for_node("bronze__house_sales")[0]
    assert materialization.metadata["path"].value.startswith(f"s3://{bucket}/lake/bronze/house_sales/")


def test_model_versions_live_in_the_bucket_and_predictions_load_the_champion_from_there(
    s3_endpoint: str, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    bucket = new_bucket()
    s3 = boto3.client("s3")
    env = lake_on_s3(tmp_path, bucket) | {"REAL_ESTATE_MLFLOW_ARTIFACTS_URL": f"s3://{bucket}/mlflow"}
    pipeline = make_pipeline(env, instance)
    for day in HISTORY:
        pipeline.write_drop(day, rows=100)
        assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success

    trained = pipeline.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=[dg.AssetKey(["ml", "price_model"])], instance=instance
    )
    scored = pipeline.materialize(HISTORY[-1], dg.AssetSelection.assets(["gold", "price_predictions"]))

    [materialization] = trained.asset_materializations_for_node("ml__price_model")
    assert materialization.metadata["alias"].value == "champion"
    client = mlflow.MlflowClient(pipeline.settings.mlflow_tracking_uri)
    champion = client.get_model_version_by_alias("real_estate_price", "champion")
    download_uri = client.get_model_version_download_uri("real_estate_price", champion.version)
    assert download_uri.startswith(f"s3://{bucket}/mlflow/")
    stored = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix="mlflow/")["Contents"]}
    assert any(key.endswith("/MLmodel") for key in stored)
    assert any(key.endswith("/feature_profile.json") for key in stored)
    assert not (tmp_path / "mlflow-artifacts").exists() and not Path("mlruns").exists()
    predictions = pl.read_parquet(f"s3://{bucket}/lake/gold/price_predictions/{HISTORY[-1]}.parquet")
    assert scored.success and predictions["model_version"].unique().to_list() == [str(champion.version)]
