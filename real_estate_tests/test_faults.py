"""Faults injected for real: the S3 store going away mid-run, SIGKILL while a partition is written
(locally and on S3), two runs of one partition at once, and a month's backfill with broken days."""

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import dagster as dg
import psycopg
import pytest
import s3fs

from real_estate.backfill import UPSTREAM_OF_MODEL, report, run_backfill
from real_estate.partitions import daily_partitions
from real_estate.sample.house_sales import generate_house_sales
from real_estate_tests.conftest import (
    cli_env,
    local_env,
    make_pipeline,
    materialize_command,
    s3_variables,
)

DAY = dt.date(2026, 5, 20)
ROOT = Path(__file__).resolve().parents[1]
HOUSE_SALES_PATH = dg.AssetSelection.assets(
    ["bronze", "house_sales"], ["silver", "house_sales"], ["silver", "house_sales_rejected"]
)


class OwnS3:
    """A moto server of this test's own, which the test can stop and start again on one port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server_class = ThreadedMotoServer
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        # moto keeps its state in the process, so the same buckets and objects come back.
        self.server = self._server_class(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()


@pytest.fixture
def own_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnS3]:
    store = OwnS3()
    for name, value in s3_variables(store.endpoint).items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()  # cached clients would keep another endpoint
    try:
        yield store
    finally:
        store.stop()
        s3fs.S3FileSystem.clear_instance_cache()


def s3_env(tmp_path: Path, bucket: str) -> dict[str, str]:
    boto3.client("s3").create_bucket(Bucket=bucket)
    return local_env(tmp_path) | {
        "REAL_ESTATE_LAKE_URL": f"s3://{bucket}/lake",
        "REAL_ESTATE_LANDING_URL": f"s3://{bucket}/landing",
    }


def test_the_store_going_away_mid_run_fails_clearly_and_a_rerun_recovers(
    own_s3: OwnS3, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    bucket = f"outage-{uuid.uuid4().hex[:8]}"
    pipeline = make_pipeline(s3_env(tmp_path, bucket), instance)
    pipeline.write_drop(DAY, rows=120)

    @dg.success_hook
    def store_goes_away(context: dg.HookContext) -> None:
        if context.step_key == "bronze__house_sales":
            own_s3.stop()

    outage_job = dg.define_asset_job(
        "store_outage", selection=HOUSE_SALES_PATH, partitions_def=daily_partitions, hooks={store_goes_away}
    )
    defs = dg.Definitions.merge(pipeline.defs, dg.Definitions(jobs=[outage_job]))
    started = time.monotonic()
    result = defs.resolve_job_def("store_outage").execute_in_process(
        partition_key=DAY.isoformat(), instance=instance, raise_on_error=False
    )
    outage_seconds = time.monotonic() - started

    assert not result.success
    [failure] = result.get_step_failure_events()
    assert failure.step_key == "silver_house_sales"
    cause = str(failure.step_failure_data.error.cause)
    assert (
        f'Could not connect to the endpoint URL: "{own_s3.endpoint}/{bucket}/lake/bronze/house_sales/'
        in cause
    )
    own_s3.restart()
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="lake/")["Contents"]
    # Only what finished before the outage is there, whole; nothing partial, nothing downstream.
    assert [item["Key"] for item in listed] == [f"lake/bronze/house_sales/{DAY}.parquet"]
    assert pipeline.lake_frame("bronze/house_sales", DAY).height == 120

    assert pipeline.materialize(DAY, UPSTREAM_OF_MODEL).success
    assert pipeline.lake_frame("silver/house_sales", DAY).height == 120
    assert pipeline.lake_frame("gold/houses_with_parks", DAY).height == 120
    assert outage_seconds < 120


def kill_when(process: subprocess.Popen, writing: Callable[[], bool], timeout: float = 120) -> None:
    """SIGKILL the process group as soon as `writing()` holds (polled every few milliseconds)."""
    deadline = time.monotonic() + timeout
    while not writing():
        assert process.poll() is None, "the run ended before the write could be interrupted"
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.002)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_sigkill_while_writing_keeps_the_previous_partition_and_the_next_run_completes(
    storage: str, tmp_path: Path, instance: dg.DagsterInstance, request: pytest.FixtureRequest
) -> None:
    env = local_env(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    if storage == "s3":
        request.getfixturevalue("own_s3")
        env = s3_env(tmp_path, f"kill-{uuid.uuid4().hex[:8]}")
    pipeline = make_pipeline(env, instance)
    pipeline.write_drop(DAY, rows=50)
    bronze = dg.AssetSelection.assets(["bronze", "house_sales"])
    assert pipeline.materialize(DAY, bronze).success
    before = pipeline.lake_frame("bronze/house_sales", DAY)
    pipeline.write_drop(DAY, rows=600_000)
    partition_dir = tmp_path / "lake" / "bronze" / "house_sales"

    def writing() -> bool:
        if storage == "local":
            # Bronze streams the drop to a staged file (under TMPDIR), then publishes it beside the
            # partition: strike while either is being written.
            staged = [f for f in scratch.glob("real-estate-staging-*/*.parquet") if f.stat().st_size > 0]
            return bool(staged) or any(partition_dir.glob(f".{DAY}.parquet.*.tmp"))
        # On S3 the file is written locally first, then uploaded: strike once the upload began.
        finished = [f for f in scratch.glob("real-estate-*/*.parquet") if f.read_bytes()[-4:] == b"PAR1"]
        return bool(finished)

    process = subprocess.Popen(
        materialize_command("key:bronze/house_sales", DAY),
        env=cli_env(tmp_path, TMPDIR=str(scratch), **env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    kill_when(process, writing)

    assert process.returncode == -signal.SIGKILL
    assert pipeline.lake_frame("bronze/house_sales", DAY).equals(before)
    left_behind = [*scratch.glob("real-estate-*"), *partition_dir.glob(".*.tmp")]
    assert left_behind, "the kill left nothing behind: nothing for the next run to clean up"
    # The next run comes along later: a temp file beside the partition counts as abandoned once
    # nothing has written to it for an hour (a staging folder, as soon as its run is dead).
    for temp in partition_dir.glob(".*.tmp"):
        an_hour_ago = time.time() - 3700
        os.utime(temp, (an_hour_ago, an_hour_ago))
    rerun = subprocess.run(
        materialize_command("key:bronze/house_sales", DAY),
        env=cli_env(tmp_path, TMPDIR=str(scratch), **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert pipeline.lake_frame("bronze/house_sales", DAY).height == 600_000
    assert [*scratch.glob("real-estate-*"), *partition_dir.glob(".*.tmp")] == [], left_behind


def test_two_runs_of_one_partition_at_once_leave_one_consistent_partition(
    tmp_path: Path, postgres_url: str, instance: dg.DagsterInstance
) -> None:
    database = "test_two_runs_at_once"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    warehouse_url = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    env = cli_env(tmp_path, REAL_ESTATE_WAREHOUSE_URL=warehouse_url)
    # The instance exists before the runs, as in any deployment: two processes creating its sqlite
    # tables at the same moment is Dagster's race, not the one under test.
    dg.DagsterInstance.from_config(env["DAGSTER_HOME"]).dispose()
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_WAREHOUSE_URL": warehouse_url}, instance)
    pipeline.write_drop(DAY, rows=3_000)
    selection = "group:bronze or group:silver or key:gold/houses_with_parks or group:warehouse"

    runs = [
        subprocess.Popen(
            materialize_command(selection, DAY), env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[1] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], [out[-2000:] for out in outputs]
    silver = pipeline.lake_frame("silver/house_sales", DAY)
    gold = pipeline.lake_frame("gold/houses_with_parks", DAY)
    rejected = pipeline.lake_frame("silver/house_sales_rejected", DAY)
    assert silver.height + rejected.height == 3_000 and gold["id"].sort().equals(silver["id"].sort())
    with psycopg.connect(warehouse_url) as connection:
        rows, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT id) FROM real_estate.house_sales WHERE partition_date = %s",
            [DAY],
        ).fetchone()
    assert rows == distinct == silver.height


def test_the_run_queue_allows_one_run_per_partition_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    monkeypatch.chdir(tmp_path)  # the file's storage folders are relative

    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits

    assert {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits


def test_a_month_backfill_completes_the_good_days_and_reports_each_broken_one(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path), instance)
    days = [dt.date(2026, 6, 1) + dt.timedelta(days=n) for n in range(30)]
    broken = {days[4]: "too many bad rows", days[11]: "ragged line", days[19]: "missing column"}
    for day in days:
        drop = Path(
            pipeline.write_drop(day, rows=40, bad_rows=8 if broken.get(day) == "too many bad rows" else 0)
        )
        if broken.get(day) == "ragged line":
            lines = drop.read_text().splitlines()
            lines[7] += ",surplus"
            drop.write_text("\n".join(lines) + "\n")
        if broken.get(day) == "missing column":
            drop.write_text(generate_house_sales(day, rows=40).drop("grade").write_csv())

    outcomes = run_backfill(pipeline.defs, instance, days, UPSTREAM_OF_MODEL)

    assert [o.day for o in outcomes if not o.success] == sorted(broken)
    text = report(outcomes)
    assert text.startswith("27 of 30 partitions succeeded")
    lines = {line.split()[1]: line for line in text.splitlines()[1:]}
    assert "rejected_share_within_threshold" in lines[str(days[4])]
    assert "has 22 fields on line 8" in lines[str(days[11])]
    assert "lacks columns [grade]" in lines[str(days[19])]
    for day in set(days) - set(broken):
        assert pipeline.lake_frame("gold/houses_with_parks", day).height == 40
    for day in broken:
        assert not (tmp_path / "lake" / "gold" / "houses_with_parks" / f"{day}.parquet").exists()
    runs = instance.get_runs(dg.RunsFilter(tags={"real_estate/backfill": f"{days[0]}..{days[-1]}"}))
    assert len(runs) == 30
