"""The same graph against a real S3-compatible server on 127.0.0.1, configured only by AWS variables."""

import datetime as dt
import uuid
from pathlib import Path

import boto3
import dagster as dg
import polars as pl

from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate_tests.conftest import FIRST_DAY, LAKE_ASSET_KEYS, local_env, make_pipeline

HISTORY = [FIRST_DAY + dt.timedelta(days=n) for n in range(3)]
DAY = FIRST_DAY + dt.timedelta(days=3)


def test_graph_materializes_on_s3(s3_endpoint: str, tmp_path: Path, instance: dg.DagsterInstance) -> None:
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    env = local_env(tmp_path) | {
        "REAL_ESTATE_LAKE_URL": f"s3://{bucket}/lake",
        "REAL_ESTATE_LANDING_URL": f"s3://{bucket}/landing",
    }
    pipeline = make_pipeline(env, instance)
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
