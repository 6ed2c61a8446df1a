"""Past one machine: the same assets with each step in its own process, or as a Celery task run by a
separate worker process over a real Redis broker; the steps share only the lake and the instance."""

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop
from real_estate_tests.conftest import BIN, cli_env, materialize_command, run_command
from real_estate_tests.redis_server import running_redis

DAY = dt.date(2026, 4, 12)
SELECTION = "key:bronze/house_sales or key:silver/house_sales or key:silver/house_sales_rejected"


def materialize(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    write_house_sales_drop(
        generate_house_sales(DAY, rows=200, bad_rows=1), env["REAL_ESTATE_LANDING_URL"], DAY
    )
    return run_command(materialize_command(SELECTION, DAY), env, cwd)


def assert_outputs(tmp_path: Path) -> None:
    assert pl.read_parquet(tmp_path / "lake" / "silver" / "house_sales" / f"{DAY}.parquet").height == 199
    assert (
        pl.read_parquet(tmp_path / "lake" / "silver" / "house_sales_rejected" / f"{DAY}.parquet").height == 1
    )


def test_multiprocess_executor_runs_each_step_in_its_own_process(tmp_path: Path) -> None:
    completed = materialize(cli_env(tmp_path, REAL_ESTATE_EXECUTOR="multiprocess"), tmp_path)

    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "RUN_SUCCESS" in completed.stderr
    step_pids = set(re.findall(r" - (\d+) - [\w.]+ - STEP_START", completed.stderr))
    assert len(step_pids) == 2, step_pids  # bronze and silver, each in a child process
    assert_outputs(tmp_path)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


def test_celery_executor_runs_steps_on_a_separate_worker_over_redis(tmp_path: Path, redis_url: str) -> None:
    env = cli_env(
        tmp_path,
        REAL_ESTATE_EXECUTOR="celery",
        REAL_ESTATE_CELERY_BROKER_URL=redis_url,
        REAL_ESTATE_CELERY_BACKEND_URL=redis_url,
    )
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "real_estate.celery_worker", "worker", "-Q", "dagster"]
        + ["--pool", "solo", "--hostname", "lake-worker@%h", "--without-heartbeat", "--without-gossip"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        completed = materialize(env, tmp_path)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "RUN_SUCCESS" in completed.stderr
    # The worker reports its steps to the shared instance, not to the CLI's log stream.
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        engine_events = instance.get_records_for_run(
            instance.get_runs()[0].run_id, of_type=dg.DagsterEventType.ENGINE_EVENT
        ).records
        workers = {
            record.event_log_entry.step_key: record.event_log_entry.dagster_event.engine_event_data.metadata
            for record in engine_events
            if "in celery worker" in record.event_log_entry.message
        }
    assert set(workers) == {"bronze__house_sales", "silver_house_sales"}
    assert all(meta["Celery worker"].value.startswith("lake-worker@") for meta in workers.values())
    assert_outputs(tmp_path)
