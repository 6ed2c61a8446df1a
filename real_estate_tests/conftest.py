"""Shared fixtures: a pipeline on temporary folders, and a real S3-compatible server on loopback."""

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from real_estate.definitions import build_definitions
from real_estate.deployment import Settings
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop

FIRST_DAY = dt.date(2026, 3, 1)
LAKE_ASSET_KEYS = (
    "bronze/parks_addresses",
    "bronze/park_features",
    "bronze/house_sales",
    "silver/parks",
    "silver/house_sales",
    "silver/house_sales_rejected",
    "gold/houses_with_parks",
    "gold/price_predictions",
)


BIN = Path(sys.executable).parent


def local_env(root: Path) -> dict[str, str]:
    """Embedded-default settings, every location under `root`."""
    return {
        "REAL_ESTATE_LAKE_URL": str(root / "lake"),
        "REAL_ESTATE_LANDING_URL": str(root / "landing"),
        "REAL_ESTATE_WAREHOUSE_URL": f"duckdb:///{root / 'warehouse.duckdb'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "REAL_ESTATE_MLFLOW_ARTIFACTS_URL": str(root / "mlflow-artifacts"),
        # Test days are small: a holdout of 2 days and 100 rows may promote.
        "REAL_ESTATE_MIN_HOLDOUT_ROWS": "100",
        "REAL_ESTATE_MIN_HOLDOUT_DAYS": "2",
    }


def cli_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a `dagster` CLI process: embedded defaults under `root`, its own instance."""
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    return os.environ | local_env(root) | {"DAGSTER_HOME": str(home)} | extra


def materialize_command(selection: str, day: dt.date) -> list[str]:
    """Dagster's own CLI materializing `selection` for `day`."""
    return [str(BIN / "dagster"), "asset", "materialize", "-m", "real_estate.definitions"] + [
        "--select",
        selection,
        "--partition",
        day.isoformat(),
    ]


def run_command(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """A command in its own process, as a user runs it; its output captured as text."""
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def s3_variables(endpoint: str) -> dict[str, str]:
    """The standard AWS variables for a test S3 server: all that s3fs, polars and boto3 need."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_REGION": "us-east-1",
    }


@dataclass
class Pipeline:
    """The real definitions for some settings, run in-process on a test instance."""

    settings: Settings
    defs: dg.Definitions
    instance: dg.DagsterInstance

    def write_drop(self, day: dt.date, rows: int = 120, bad_rows: int = 0) -> str:
        frame = generate_house_sales(day, rows=rows, bad_rows=bad_rows)
        return write_house_sales_drop(frame, self.settings.landing_url, day)

    def materialize(
        self,
        day: dt.date,
        selection: dg.AssetSelection | None = None,
        raise_on_error: bool = True,
        run_config: dict | None = None,
    ) -> dg.ExecuteInProcessResult:
        keys = (selection or dg.AssetSelection.all()).resolve(self.defs.resolve_asset_graph())
        return self.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key=day.isoformat(),
            asset_selection=list(keys),
            instance=self.instance,
            raise_on_error=raise_on_error,
            run_config=run_config,
        )

    def lake_frame(self, key: str, day: dt.date) -> pl.DataFrame:
        url = f"{self.settings.lake_url}/{key}/{day.isoformat()}.parquet"
        return pl.read_parquet(url)


def make_pipeline(env: dict[str, str], instance: dg.DagsterInstance) -> Pipeline:
    settings = Settings.from_env(env)
    return Pipeline(settings, build_definitions(settings), instance)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def pipeline(tmp_path: Path, instance: dg.DagsterInstance) -> Pipeline:
    return make_pipeline(local_env(tmp_path), instance)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto) on 127.0.0.1, configured through the standard AWS variables."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {name: os.environ.get(name) for name in AWS_VARIABLES}
    os.environ.update(s3_variables(endpoint))
    try:
        yield endpoint
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session."""
    from real_estate_tests.postgres_server import running_postgres

    with running_postgres() as url:
        yield url


AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")
