"""Running unattended: the landing sensor and bronze against new, replaced, half-written, badly
named and future drops, tick by tick as the daemon evaluates them, with the runs it requests."""

import datetime as dt
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import dagster as dg
import polars as pl
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest
from dagster._core.test_utils import freeze_time

from real_estate import landing_sensor
from real_estate.landing_plan import (
    MAX_ATTEMPTS,
    Drop,
    DropState,
    LandingCursor,
    next_step,
    plan_tick,
)
from real_estate.partitions import daily_partitions
from real_estate.resources import landing as landing_resource
from real_estate.resources.landing import LandingFile
from real_estate.sample.house_sales import generate_house_sales
from real_estate_tests.conftest import local_env, make_pipeline

DAY = dt.date(2026, 10, 5)
# What a drop's run materializes: its day's chain up to gold features, and the day's parks if missing.
DROP_CHAIN = {
    "bronze/house_sales",
    "silver/house_sales",
    "silver/house_sales_rejected",
    "warehouse/house_sales",
    "gold/houses_with_parks",
}
PARKS_CHAIN = {"bronze/parks_addresses", "bronze/park_features", "silver/parks", "warehouse/parks"}
BRONZE = dg.AssetKey(["bronze", "house_sales"])
LANDING = dg.AssetKey(["landing", "house_sales"])
VERSION_TAG = "real_estate/landing_version"


def selected(request: dg.RunRequest) -> set[str]:
    return {key.to_user_string() for key in request.asset_selection or []}


def drop_bytes(day: dt.date, rows: int, seed: int = 42) -> bytes:
    """A complete drop for `day`, as a producer would deliver it."""
    return generate_house_sales(day, rows=rows, seed=seed).write_csv().encode()


def sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@dataclass(frozen=True)
class Tick:
    """One evaluation as the daemon acts on it: new run requests (a repeated run key is dropped)."""

    run_requests: list[dg.RunRequest]
    skip_message: str | None


class Landing:
    """The real landing sensor, ticked as the daemon would (cursor carried), and the runs it asks for."""

    def __init__(self, tmp_path: Path, instance: dg.DagsterInstance, landing_url: str | None = None) -> None:
        env = local_env(tmp_path) | ({"REAL_ESTATE_LANDING_URL": landing_url} if landing_url else {})
        self.pipeline = make_pipeline(env, instance)
        self.defs = self.pipeline.defs
        self.sensor = self.defs.resolve_sensor_def("house_sales_landing_sensor")
        self.instance = instance
        self.folder = Path(self.pipeline.settings.landing_url) / "house_sales"
        self.cursor: str | None = None
        self.requests: list[dg.RunRequest] = []

    def tick(self) -> Tick:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs, resources=self.defs.resources
        )
        result = self.sensor.evaluate_tick(context)
        for request in result.run_requests:
            assert daily_partitions.has_partition_key(request.partition_key), request.partition_key
        for event in result.asset_events:
            self.instance.report_runless_asset_event(event)
        self.cursor = result.cursor
        known = {request.run_key for request in self.requests}
        new = [request for request in result.run_requests if request.run_key not in known]
        self.requests.extend(new)
        return Tick(new, result.skip_message)

    def run(self, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
        return self.defs.resolve_job_def("ingest_house_sales").execute_in_process(
            partition_key=request.partition_key,
            tags=request.tags,
            asset_selection=list(request.asset_selection or []),
            instance=self.instance,
            raise_on_error=False,
        )

    def ingest(self) -> list[dg.ExecuteInProcessResult]:
        """Two ticks (a drop must stay unchanged between them), then every requested run."""
        requests = [*self.tick().run_requests, *self.tick().run_requests]
        return [self.run(request) for request in requests]

    def ingested(self, day: dt.date, rows: int) -> "Landing":
        """This landing zone after one drop of `rows` sales for `day` was ingested through the sensor."""
        self.write(day, drop_bytes(day, rows=rows))
        [result] = self.ingest()
        assert result.success
        return self

    def write(self, day: dt.date, data: bytes, name: str | None = None) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / (name or f"{day.isoformat()}.csv")
        path.write_bytes(data)
        return path

    def bronze_materializations(self, day: dt.date) -> list[dg.EventLogRecord]:
        return list(
            self.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=BRONZE, asset_partitions=[day.isoformat()]), limit=100
            ).records
        )

    def bronze_rows(self, day: dt.date) -> int:
        return self.pipeline.lake_frame("bronze/house_sales", day).height


def data_version(record: dg.EventLogRecord) -> str:
    return record.asset_materialization.tags["dagster/data_version"]


def test_each_complete_version_of_a_drop_is_ingested_exactly_once(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    first = drop_bytes(DAY, rows=40)
    landing.write(DAY, first)

    assert not landing.tick().run_requests  # seen once: it may still be growing
    [request] = landing.tick().run_requests
    assert request.partition_key == DAY.isoformat() and request.tags[VERSION_TAG] == sha256(first)
    assert selected(request) == DROP_CHAIN | PARKS_CHAIN
    assert landing.run(request).success and landing.bronze_rows(DAY) == 40

    # Replaced by different bytes that look older (cp -p, rsync -a, unzip, mv).
    replacement = drop_bytes(DAY, rows=30, seed=7)
    path = landing.write(DAY, replacement)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    [result] = landing.ingest()
    assert result.success and landing.bronze_rows(DAY) == 30
    # Put back as it first was: a new run again, under a run key the daemon has not seen.
    landing.write(DAY, first)
    [result] = landing.ingest()
    assert result.success and landing.bronze_rows(DAY) == 40
    landing.write(DAY, replacement)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    [result] = landing.ingest()
    assert result.success and landing.bronze_rows(DAY) == 30

    # Written in two halves across ticks: only the whole file is taken.
    later = DAY + dt.timedelta(days=1)
    whole = drop_bytes(later, rows=50)
    landing.write(later, whole[: len(whole) * 6 // 10])
    assert not landing.tick().run_requests
    with (landing.folder / f"{later}.csv").open("ab") as rest:
        rest.write(whole[len(whole) * 6 // 10 :])
    assert not landing.tick().run_requests  # changed since the last tick: still waiting
    [result] = landing.ingest()
    assert result.success and landing.bronze_rows(later) == 50

    # Beside a valid drop: a future day, a name that is not a drop, and a symlink to a drop.
    valid = DAY + dt.timedelta(days=2)
    landing.write(valid, drop_bytes(valid, rows=20))
    landing.write(DAY, drop_bytes(dt.date(2062, 1, 1), rows=5), name="2062-01-01.csv")
    landing.write(DAY, b"not a drop\n", name="notes.txt")
    landing.write(valid, drop_bytes(valid, rows=3), name=f".{valid}.csv.tmp")  # a producer's upload
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes(drop_bytes(DAY + dt.timedelta(days=3), rows=5))
    (landing.folder / f"{DAY + dt.timedelta(days=3)}.csv").symlink_to(outside)
    results = landing.ingest()
    assert [r.dagster_run.tags["dagster/partition"] for r in results] == [valid.isoformat()]
    assert all(r.success for r in results)

    for _ in range(3):
        assert not landing.tick().run_requests
    assert [len(landing.bronze_materializations(day)) for day in (DAY, later, valid)] == [4, 1, 1]
    assert not landing.bronze_materializations(DAY + dt.timedelta(days=3))
    assert data_version(landing.bronze_materializations(DAY)[0]) == sha256(replacement)
    run_keys = [request.run_key for request in landing.requests]
    assert len(run_keys) == 6 and len(set(run_keys)) == 6


def test_bronze_refuses_a_drop_replaced_after_its_run_was_requested_and_the_new_one_follows(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    landing.write(DAY, drop_bytes(DAY, rows=40))
    [request] = [*landing.tick().run_requests, *landing.tick().run_requests]
    newer = drop_bytes(DAY, rows=25, seed=3)
    landing.write(DAY, newer)

    stale = landing.run(request)

    assert not stale.success
    [failure] = stale.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert f"bronze/house_sales [{DAY}]" in message and request.tags[VERSION_TAG] in message
    assert sha256(newer) in message and "Nothing was written" in message
    assert not landing.bronze_materializations(DAY)
    [result] = landing.ingest()
    assert result.success and landing.bronze_rows(DAY) == 25


def test_the_landing_zone_is_a_source_asset_whose_new_version_makes_bronze_stale(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance).ingested(DAY, rows=10)
    graph = landing.defs.resolve_asset_graph()

    def bronze_status() -> StaleStatus:
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        return resolver.get_status(BRONZE, DAY.isoformat())

    assert bronze_status() == StaleStatus.FRESH
    landing.write(DAY, drop_bytes(DAY, rows=11, seed=9))
    landing.tick()
    landing.tick()
    assert bronze_status() == StaleStatus.STALE


def test_a_drop_for_a_day_that_has_not_ended_waits_for_its_partition(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    today = dt.date(2026, 11, 20)
    # A Pacific-time producer delivers "today" before midnight UTC.
    landing.write(today, drop_bytes(today, rows=10))
    with freeze_time(dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC)):
        results = [landing.tick(), landing.tick()]
    assert not any(result.run_requests for result in results)
    assert "2026-11-20.csv" in (results[-1].skip_message or "")
    with freeze_time(dt.datetime(2026, 11, 21, 0, 5, tzinfo=dt.UTC)):
        [request] = landing.tick().run_requests
    assert request.partition_key == today.isoformat()


def test_each_skip_reason_is_logged_once_per_file_version(
    tmp_path: Path, instance: dg.DagsterInstance, capfd: pytest.CaptureFixture[str]
) -> None:
    landing = Landing(tmp_path, instance)
    landing.write(DAY, b"x\n", name="notes.txt")
    landing.write(DAY, b"id\n", name="2025-12-31.csv")

    def logged(name: str, output: str) -> int:
        return sum(f"{name} skipped" in line for line in output.splitlines())

    landing.tick()
    first = capfd.readouterr().err
    assert logged("notes.txt", first) == 1 and logged("2025-12-31.csv", first) == 1
    ticks = [landing.tick() for _ in range(3)]
    assert "skipped:" not in capfd.readouterr().err
    assert all("notes.txt" in (tick.skip_message or "") for tick in ticks)

    landing.write(DAY, b"y\n", name="notes.txt")
    landing.tick()
    replaced = capfd.readouterr().err
    assert logged("notes.txt", replaced) == 1 and logged("2025-12-31.csv", replaced) == 0


def test_names_that_are_not_drops_are_skipped_with_their_reason(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    hostile = "\x1b[31m" + "x" * 240 + ".csv"  # a terminal escape and 250 characters
    for name in ("notes.txt", "2026-13-01.csv", "2025-12-31.csv", "2026-1-5.csv", hostile):
        landing.write(DAY, b"id\n", name=name)
    (landing.folder / "archive").mkdir()

    results = [landing.tick(), landing.tick()]

    assert not any(result.run_requests for result in results)
    reason = results[-1].skip_message or ""
    for name in ("notes.txt", "2026-13-01.csv", "2025-12-31.csv", "2026-1-5.csv", "archive"):
        assert name in reason
    assert "not <YYYY-MM-DD>.csv" in reason and "not a regular file" in reason
    assert "\x1b" not in reason and "x" * 200 not in reason and "?[31m" + "x" * 100 in reason


def test_bronze_refuses_a_symlinked_drop_and_writes_nothing(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    landing.folder.mkdir(parents=True)
    (landing.folder / f"{DAY}.csv").symlink_to(secret)

    result = landing.pipeline.materialize(DAY, dg.AssetSelection.assets(BRONZE), raise_on_error=False)

    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "not a regular file" in message and f"[{DAY}]" in message and "hunter2" not in message
    assert not landing.bronze_materializations(DAY)


@pytest.mark.usefixtures("s3_endpoint")
def test_on_s3_only_direct_children_count_and_listings_past_1000_objects_are_read(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    bucket = f"landing-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    for n in range(1000):  # sorted before the drop: the drop is on the second page of a listing
        s3.put_object(Bucket=bucket, Key=f"landing/house_sales/0-junk-{n:04d}.txt", Body=b"")
    s3.put_object(Bucket=bucket, Key=f"landing/house_sales/{DAY}.csv", Body=drop_bytes(DAY, rows=10))
    archived = DAY - dt.timedelta(days=1)
    s3.put_object(
        Bucket=bucket, Key=f"landing/house_sales/archive/{archived}.csv", Body=drop_bytes(archived, 10)
    )
    landing = Landing(tmp_path, instance, landing_url=f"s3://{bucket}/landing")

    landing.tick()
    [request] = landing.tick().run_requests

    assert request.partition_key == DAY.isoformat() and request.tags[VERSION_TAG].startswith("etag:")
    assert landing.run(request).success
    assert data_version(landing.bronze_materializations(DAY)[0]) == request.tags[VERSION_TAG]


def test_drops_already_ingested_before_the_sensor_saw_them_are_not_run_again(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    landing.write(DAY, drop_bytes(DAY, rows=10))
    assert landing.pipeline.materialize(DAY, dg.AssetSelection.assets(BRONZE)).success
    later = DAY + dt.timedelta(days=1)
    landing.write(later, drop_bytes(later, rows=10))

    landing.tick()
    requests = landing.tick().run_requests

    assert [r.partition_key for r in requests] == [later.isoformat()]


def test_a_drop_whose_parks_are_there_asks_only_for_the_house_sales_chain(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance).ingested(DAY, rows=10)
    landing.write(DAY, drop_bytes(DAY, rows=12, seed=5))

    [request] = [*landing.tick().run_requests, *landing.tick().run_requests]

    assert selected(request) == DROP_CHAIN


def test_a_version_whose_run_failed_is_tried_again_after_a_wait_then_given_up_with_a_reason(
    tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = [0.0]  # seconds the sensor's clock runs ahead of the real one (run end times are real)
    monkeypatch.setattr(landing_sensor, "now", lambda: time.time() + ahead[0])
    landing = Landing(tmp_path, instance)
    drop = drop_bytes(DAY, rows=20)
    path = landing.write(DAY, drop)
    landing.tick()
    [request] = landing.tick().run_requests

    def fail_once_moved_away(request: dg.RunRequest) -> None:
        path.rename(tmp_path / "moved-away.csv")  # the producer takes the file back for a moment
        assert not landing.run(request).success
        (tmp_path / "moved-away.csv").rename(path)

    fail_once_moved_away(request)
    assert not landing.tick().run_requests  # too soon after the failure
    ahead[0] += 61
    [second] = landing.tick().run_requests
    assert second.run_key != request.run_key and landing.run(second).success
    assert landing.bronze_rows(DAY) == 20

    broken = DAY + dt.timedelta(days=1)
    path = landing.write(broken, drop_bytes(broken, rows=5))
    landing.tick()
    for wait in (0, 61, 601):
        ahead[0] += wait
        [attempt] = landing.tick().run_requests
        fail_once_moved_away(attempt)
    ahead[0] += 3600
    gave_up = [landing.tick() for _ in range(2)]
    assert not any(tick.run_requests for tick in gave_up)
    assert f"{broken}.csv (its last 3 runs failed" in (gave_up[-1].skip_message or "")


def test_a_fifo_named_as_a_drop_is_skipped_and_bronze_refuses_it_without_hanging(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    landing.folder.mkdir(parents=True)
    os.mkfifo(landing.folder / f"{DAY}.csv")

    ticks = [landing.tick(), landing.tick()]
    result = landing.pipeline.materialize(DAY, dg.AssetSelection.assets(BRONZE), raise_on_error=False)

    assert not any(tick.run_requests for tick in ticks)
    assert f"{DAY}.csv (is not a regular file)" in (ticks[-1].skip_message or "")
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "is not a regular file; it was not read" in message


def test_drops_the_earlier_release_handled_are_not_ingested_again_after_an_upgrade(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = Landing(tmp_path, instance)
    handled = landing.write(DAY, drop_bytes(DAY, rows=10))
    later = DAY + dt.timedelta(days=1)
    landing.write(later, drop_bytes(later, rows=10))
    status = handled.stat()
    landing.cursor = json.dumps([f"{DAY}.csv:{status.st_size}-{status.st_mtime_ns}"])  # the old cursor

    requests = [*landing.tick().run_requests, *landing.tick().run_requests]

    assert [request.partition_key for request in requests] == [later.isoformat()]


def test_bronze_refuses_a_drop_that_changes_while_it_is_read(
    tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = Landing(tmp_path, instance)
    path = landing.write(DAY, drop_bytes(DAY, rows=10))
    stream = landing_resource.HouseSalesDrop.lazy

    def stream_while_the_producer_appends(drop: landing_resource.HouseSalesDrop) -> pl.LazyFrame:
        with path.open("ab") as appending:
            appending.write(drop_bytes(DAY, rows=3).split(b"\n", 1)[1])
        return stream(drop)

    monkeypatch.setattr(landing_resource.HouseSalesDrop, "lazy", stream_while_the_producer_appends)
    result = landing.pipeline.materialize(DAY, dg.AssetSelection.assets(BRONZE), raise_on_error=False)

    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "changed while it was read" in message and not landing.bronze_materializations(DAY)


def listed(name: str, version: str, problem: str | None = None) -> LandingFile:
    return LandingFile(name, f"sig-{version}", problem, version)


def test_the_plan_waits_for_a_version_to_hold_still_and_takes_it_once() -> None:
    never_ingested = DropState()
    first = plan_tick(
        LandingCursor(), [listed(f"{DAY}.csv", "v1")], daily_partitions, lambda _: never_ingested, 0
    )
    second = plan_tick(
        first.cursor, [listed(f"{DAY}.csv", "v1")], daily_partitions, lambda _: never_ingested, 1
    )
    done = plan_tick(
        second.cursor, [listed(f"{DAY}.csv", "v1")], daily_partitions, lambda _: DropState(True), 2
    )
    after = plan_tick(
        done.cursor, [listed(f"{DAY}.csv", "v1")], daily_partitions, lambda _: never_ingested, 3
    )

    assert first.waiting == [f"{DAY}.csv"] and not first.to_run
    assert second.to_run == [(Drop(f"{DAY}.csv", DAY.isoformat(), "v1"), 1)]
    assert done.already_ingested and not after.to_run and not after.waiting  # done: never asked again


@pytest.mark.parametrize(
    ("state", "at", "step"),
    [
        (DropState(), 0.0, 1),
        (DropState(in_flight=True), 0.0, None),
        (DropState(failed_runs=1, last_failure=100.0), 159.0, None),
        (DropState(failed_runs=1, last_failure=100.0), 161.0, 2),
        (DropState(failed_runs=2, last_failure=100.0), 699.0, None),
        (DropState(failed_runs=2, last_failure=100.0), 701.0, 3),
    ],
)
def test_failed_versions_are_retried_with_growing_waits(
    state: DropState, at: float, step: int | None
) -> None:
    assert next_step(state, at) == step


def test_after_max_attempts_the_plan_gives_up_with_the_reason() -> None:
    assert "its last 3 runs failed" in str(
        next_step(DropState(failed_runs=MAX_ATTEMPTS, last_failure=0.0), 1e9)
    )
