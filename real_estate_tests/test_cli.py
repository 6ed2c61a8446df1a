"""The README's main command and Dagster's own CLI, run for real in subprocesses."""

import datetime as dt
import subprocess
import uuid
from pathlib import Path

import boto3
import duckdb
import polars as pl
import pytest

from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop
from real_estate_tests.conftest import BIN, LAKE_ASSET_KEYS, cli_env, materialize_command

DAY = dt.date(2026, 4, 10)


def run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=cli_env(tmp_path, **env), cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_demo_materializes_every_asset_through_the_cli(
    storage: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    lake_url = str(tmp_path / "lake")
    env = {}
    if storage == "s3":
        request.getfixturevalue("s3_endpoint")
        bucket = f"cli-{uuid.uuid4().hex[:8]}"
        boto3.client("s3").create_bucket(Bucket=bucket)
        lake_url = f"s3://{bucket}/lake"
        env = {"REAL_ESTATE_LAKE_URL": lake_url, "REAL_ESTATE_LANDING_URL": f"s3://{bucket}/landing"}

    completed = run(
        [str(BIN / "real-estate-demo"), "--day", DAY.isoformat(), "--history-days", "3", "--rows", "120"],
        tmp_path,
        **env,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert (
        "asset materialize -m real_estate.definitions --select * --partition 2026-04-10" in completed.stdout
    )
    assert "RUN_SUCCESS" in (tmp_path / "data" / "demo-events.log").read_text()
    printed = completed.stdout.splitlines()
    assert len(printed) < 80 and "DEBUG" not in completed.stdout + completed.stderr
    for key in LAKE_ASSET_KEYS:
        assert any(line.strip().startswith(key) and "passed" in line for line in printed), key
    assert any(line.strip().startswith("ml/price_model v1 (champion): holdout RMSE $") for line in printed)
    for key in LAKE_ASSET_KEYS:
        rows = pl.read_parquet(f"{lake_url}/{key}/{DAY}.parquet").height
        assert rows == 1 if key == "silver/house_sales_rejected" else rows > 0, key
    predictions = pl.read_parquet(f"{lake_url}/gold/price_predictions/{DAY}.parquet")
    assert predictions.height == 119 and predictions["model_version"].null_count() == 0
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        loaded = connection.execute(
            "SELECT count(*) FROM real_estate.house_sales WHERE partition_date = ?", [DAY]
        ).fetchone()[0]
    assert loaded == 119


def test_cli_exits_non_zero_when_a_step_fails(tmp_path: Path) -> None:
    completed = run(materialize_command("bronze/house_sales", DAY), tmp_path)

    assert completed.returncode != 0
    assert f"No house-sales drop for partition {DAY}" in completed.stderr


def test_cli_exits_non_zero_when_a_blocking_check_fails(tmp_path: Path) -> None:
    frame = generate_house_sales(DAY, rows=100, bad_rows=10)
    write_house_sales_drop(frame, str(tmp_path / "landing"), DAY)

    completed = run(
        materialize_command("bronze/house_sales,silver/house_sales,silver/house_sales_rejected", DAY),
        tmp_path,
    )

    assert completed.returncode != 0
    assert "rejected_share_within_threshold" in completed.stderr
    assert "10 of 100 rows (10.00%) rejected" in completed.stderr
    assert (
        pl.read_parquet(tmp_path / "lake" / "silver" / "house_sales_rejected" / f"{DAY}.parquet").height == 10
    )
    assert not (tmp_path / "lake" / "silver" / "house_sales" / f"{DAY}.parquet").exists()
