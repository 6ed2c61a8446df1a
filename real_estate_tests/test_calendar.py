"""Forty days run unattended, then recomputed in one batch: incremental equals batch.

One instance lives through a simulated calendar. Each simulated day, as the daemon would: the
producer delivers yesterday's drop, the parks schedule ticks, the landing sensor ticks, declarative
automation is evaluated, and on Mondays the retraining schedule ticks; every run they ask for is
executed. Drops come on time, 3 days late and 35 days late, one is replaced, the Socrata source
changes on day 20, and ten past days are backfilled after day 30. At the end a fresh lake and
warehouse are rebuilt from the same final inputs (the drops, and the parks snapshots as stored),
and must equal what the incremental run produced, row for row. Every day must have been scored by
exactly the models expected, and each model's latest scoring of a day must say what that model
says on the batch's features of the day.
"""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster._core.test_utils import freeze_time

from real_estate.backfill import run_backfill
from real_estate.resources.mlflow import CHAMPION, MlflowResource
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop
from real_estate.sample.parks import generate_parks
from real_estate.transforms.training import predict_prices
from real_estate_tests.conftest import Pipeline, local_env, make_pipeline
from real_estate_tests.soda_server import SodaServer, serve_parks

FIRST = dt.date(2026, 3, 3)  # a Tuesday: the first simulated day delivers 2026-03-02
CALENDAR = [FIRST + dt.timedelta(days=n) for n in range(40)]
ROWS = 50
THREE_DAYS_LATE = dt.date(2026, 3, 10)
THIRTY_FIVE_DAYS_LATE = dt.date(2026, 3, 4)
REPLACED = dt.date(2026, 3, 8)
SOURCE_CHANGES = CALENDAR[19]  # day 20
BACKFILL_AFTER = CALENDAR[30]
BACKFILLED = [dt.date(2026, 3, 5) + dt.timedelta(days=n) for n in range(10)]
LAKE_TABLES = ("silver/parks", "silver/house_sales", "silver/house_sales_rejected", "gold/houses_with_parks")
PREDICTIONS = dg.AssetKey(["gold", "price_predictions"])
PRICE_MODEL = dg.AssetKey(["ml", "price_model"])
AUTOMATION_WINDOW = dt.timedelta(days=30)  # a day is scored by automation while this close
TICK = dt.timedelta(seconds=30)
MAX_TICKS = 5
ASSET_JOB = "__ASSET_JOB"
DATA_GROUPS = dg.AssetSelection.groups("bronze", "silver", "gold", "warehouse")


def arrival(day: dt.date) -> dt.date:
    """When the drop for partition `day` reaches the landing zone."""
    late = {THREE_DAYS_LATE: 3, THIRTY_FIVE_DAYS_LATE: 35}.get(day, 0)
    return day + dt.timedelta(days=1 + late)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


class Daemon:
    """The schedules, the landing sensor and automation of the real definitions, ticked by hand."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.defs = pipeline.defs
        self.instance = pipeline.instance
        self.sensor_cursor: str | None = None
        self.automation_cursor = None
        self.run_keys: set[str] = set()
        self.failed: list[str] = []

    def launch(self, job_name: str, request: dg.RunRequest) -> None:
        """A run as the daemon launches it; a run key seen before is not launched again."""
        if request.run_key and request.run_key in self.run_keys:
            return
        self.run_keys.add(request.run_key or "")
        job = (
            self.defs.resolve_implicit_global_asset_job_def()
            if job_name == ASSET_JOB
            else self.defs.resolve_job_def(job_name)
        )
        result = job.execute_in_process(
            partition_key=request.partition_key,
            tags=request.tags,
            run_config=request.run_config or None,
            asset_selection=list(request.asset_selection) if request.asset_selection else None,
            instance=self.instance,
            raise_on_error=False,
        )
        if not result.success:
            self.failed.append(f"{job_name} {request.partition_key}")

    def schedule(self, name: str, when: dt.datetime) -> None:
        schedule = self.defs.resolve_schedule_def(name)
        with freeze_time(when):
            context = dg.build_schedule_context(
                instance=self.instance,
                scheduled_execution_time=when,
                repository_def=self.defs.get_repository_def(),
            )
            requests = schedule.evaluate_tick(context).run_requests
        for request in requests:
            self.launch(schedule.job_name, request)

    def landing_sensor(self, when: dt.datetime) -> None:
        sensor = self.defs.resolve_sensor_def("house_sales_landing_sensor")
        with freeze_time(when):
            context = dg.build_sensor_context(
                instance=self.instance,
                cursor=self.sensor_cursor,
                definitions=self.defs,
                resources=self.defs.resources,
            )
            result = sensor.evaluate_tick(context)
        for event in result.asset_events:
            self.instance.report_runless_asset_event(event)
        self.sensor_cursor = result.cursor
        for request in result.run_requests:
            self.launch("ingest_house_sales", request)

    def automation(self, when: dt.datetime) -> None:
        """Declarative automation, ticking every 30 s as the daemon does, until a tick requests nothing.

        The tick after the runs finish sees their materializations: the daemon always has one before
        the next event (a retraining, say), which otherwise would fall in the same tick as they.
        """
        for tick in range(MAX_TICKS):
            if not self.automation_tick(when + tick * TICK):
                return
        raise AssertionError(f"automation still requesting runs after {MAX_TICKS} ticks at {when}")

    def automation_tick(self, when: dt.datetime) -> bool:
        """One evaluation: one run per partition with what it requested there; whether it requested any."""
        with freeze_time(when):
            result = dg.evaluate_automation_conditions(
                self.defs, self.instance, evaluation_time=when, cursor=self.automation_cursor
            )
        self.automation_cursor = result.cursor
        by_partition: dict[str, list[dg.AssetKey]] = {}
        for key in self.defs.resolve_asset_graph().get_all_asset_keys():
            for partition in result.get_requested_partitions(key):
                by_partition.setdefault(partition or "", []).append(key)
        for partition, keys in sorted(by_partition.items()):
            self.launch(
                ASSET_JOB,
                dg.RunRequest(run_key=None, partition_key=partition or None, asset_selection=keys),
            )
        return bool(by_partition)


def parks_snapshot(pipeline: Pipeline, day: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The day's stored bronze parks snapshots, both datasets."""
    return tuple(pipeline.lake_frame(f"bronze/{name}", day) for name in ("parks_addresses", "park_features"))


def run_calendar(daemon: Daemon, soda: SodaServer, landing_url: str) -> None:
    """Forty simulated days, each as the daemon lives it."""
    changed_parks = generate_parks(num_parks=90, seed=11)
    for today in CALENDAR:
        for day in (d for d in [today - dt.timedelta(days=n) for n in range(1, 40)] if arrival(d) == today):
            if day >= FIRST - dt.timedelta(days=1):
                write_house_sales_drop(generate_house_sales(day, rows=ROWS), landing_url, day)
        if today == REPLACED + dt.timedelta(days=8):
            replacement = generate_house_sales(REPLACED, rows=ROWS + 7, seed=99)
            write_house_sales_drop(replacement, landing_url, REPLACED)
        if today == SOURCE_CHANGES:
            soda.datasets.update({"v5tj-kqhc": changed_parks[0], "xrnu-8eiq": changed_parks[1]})
        daemon.schedule("daily_parks_refresh", at(today, 2))
        for minute in (0, 1):
            daemon.landing_sensor(at(today, 2) + dt.timedelta(minutes=30 + minute))
        daemon.automation(at(today, 2) + dt.timedelta(minutes=45))
        if today.weekday() == 0:
            daemon.schedule("weekly_price_model_retraining", at(today, 3))
            daemon.automation(at(today, 3) + dt.timedelta(minutes=30))
        if today == BACKFILL_AFTER:
            snapshots = {day: parks_snapshot(daemon.pipeline, day) for day in BACKFILLED}
            backfill = run_backfill(daemon.defs, daemon.instance, BACKFILLED, DATA_GROUPS)
            for day in BACKFILLED:  # history kept: both datasets as stored before the backfill
                after = parks_snapshot(daemon.pipeline, day)
                assert all(a.equals(b) for a, b in zip(after, snapshots[day], strict=True)), day
            assert all(outcome.success for outcome in backfill), [o.reason for o in backfill if not o.success]


def batch_recompute(incremental: Pipeline, root: Path, instance: dg.DagsterInstance) -> Pipeline:
    """A fresh lake and warehouse from the final drops and the parks snapshots as stored."""
    shutil.copytree(Path(incremental.settings.landing_url), root / "landing")
    for snapshot in ("parks_addresses", "park_features"):
        shutil.copytree(
            Path(incremental.settings.lake_url) / "bronze" / snapshot, root / "lake" / "bronze" / snapshot
        )
    batch = make_pipeline(local_env(root) | {"REAL_ESTATE_SOCRATA_URL": "http://127.0.0.1:9"}, instance)
    outcomes = run_backfill(
        batch.defs,
        instance,
        partitions(incremental),
        dg.AssetSelection.groups("bronze", "silver", "gold", "warehouse"),
    )
    assert all(outcome.success for outcome in outcomes), [o.reason for o in outcomes if not o.success]
    return batch


def partitions(pipeline: Pipeline) -> list[dt.date]:
    folder = Path(pipeline.settings.lake_url) / "silver" / "house_sales"
    return sorted(dt.date.fromisoformat(path.stem) for path in folder.glob("*.parquet"))


def warehouse_table(pipeline: Pipeline, table: str) -> pl.DataFrame:
    with duckdb.connect(
        pipeline.settings.warehouse_url.removeprefix("duckdb:///"), read_only=True
    ) as connection:
        return connection.sql(f"SELECT * FROM real_estate.{table}").pl().sort(pl.all())


def champions_after_retraining(instance: dg.DagsterInstance) -> dict[dt.date, str]:
    """For each retraining Monday, the champion's version once it was done (promoted or kept)."""
    records = instance.fetch_materializations(PRICE_MODEL, limit=100, ascending=True).records
    champions, champion = {}, ""
    for record in records:
        metadata = record.asset_materialization.metadata
        if metadata["alias"].value == CHAMPION:
            champion = str(metadata["model_version"].value)
        champions[dt.date.fromisoformat(metadata["as_of"].value) + dt.timedelta(days=1)] = champion
    return champions


def expected_scorings(day: dt.date, champions: dict[dt.date, str]) -> list[str]:
    """The model versions that score `day`, in order: when its drop (and a replacement) arrives, by
    the champion of that moment, and after each retraining while the day is within the window."""

    def champion_before(when: dt.date) -> str | None:
        return next((champions[m] for m in sorted(champions, reverse=True) if m < when), None)

    arrivals = [arrival(day)] + ([REPLACED + dt.timedelta(days=8)] if day == REPLACED else [])
    events = [(when, champion_before(when)) for when in arrivals if when - day <= AUTOMATION_WINDOW]
    events += [
        (monday, champions[monday])
        for monday in champions
        if arrival(day) <= monday and monday - day <= AUTOMATION_WINDOW
    ]
    # On a Monday the drops are scored at 02:45, before the retraining at 03:00.
    return [version for _, version in sorted(events, key=lambda event: event[0]) if version]


def check_predictions(incremental: Pipeline, batch: Pipeline, days: list[dt.date]) -> None:
    """Each day was scored by exactly the models expected, and each model's latest scoring of a day
    (in the warehouse's audit table) says what that model says on the batch's features of the day."""
    champions = champions_after_retraining(incremental.instance)
    assert len(champions) == len([d for d in CALENDAR if d.weekday() == 0]), champions
    scored_by: dict[str, list[str]] = {}
    for record in incremental.instance.fetch_materializations(
        PREDICTIONS, limit=10_000, ascending=True
    ).records:
        metadata = record.asset_materialization.metadata
        scored_by.setdefault(record.partition_key or "", []).append(metadata["model_version"].value)
    for day in days:
        assert scored_by.get(day.isoformat(), []) == expected_scorings(day, champions), day

    scorings = warehouse_table(incremental, "price_predictions")
    latest = scorings.filter(
        pl.col("predicted_at") == pl.col("predicted_at").max().over("partition_date", "model_version")
    )
    registry = MlflowResource(
        tracking_uri=incremental.settings.mlflow_tracking_uri,
        artifacts_url=incremental.settings.mlflow_artifacts_url,
    )
    for version in sorted(set(latest["model_version"])):
        model = registry.load_model(version)
        for day in latest.filter(pl.col("model_version") == version)["partition_date"].unique().sort():
            features = batch.lake_frame("gold/houses_with_parks", day)
            recomputed = features.select("id", predicted_price=pl.Series(predict_prices(model, features)))
            said = latest.filter((pl.col("partition_date") == day) & (pl.col("model_version") == version))
            same = said.select("id", "predicted_price").sort("id").equals(recomputed.sort("id"))
            assert same, f"{day}: version {version}'s latest scoring differs from the batch's"


def test_forty_unattended_days_equal_one_batch_recompute(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    with serve_parks(num_parks=80, seed=5) as soda:
        env = local_env(tmp_path / "incremental") | {"REAL_ESTATE_SOCRATA_URL": soda.url}
        incremental = make_pipeline(env, instance)
        daemon = Daemon(incremental)
        run_calendar(daemon, soda, incremental.settings.landing_url)

    days = partitions(incremental)
    expected = [CALENDAR[0] - dt.timedelta(days=1) + dt.timedelta(days=n) for n in range(len(CALENDAR))]
    assert days == expected, "every day, the late ones included, reached silver"
    assert daemon.failed == [], daemon.failed
    replaced = incremental.lake_frame("silver/house_sales", REPLACED).height
    assert replaced == ROWS + 7, "the replaced drop won"
    before_change = incremental.lake_frame("silver/parks", BACKFILLED[0]).height
    after_change = incremental.lake_frame("silver/parks", SOURCE_CHANGES).height
    assert (before_change, after_change) == (80, 90), "the backfill kept the day's parks as they were"

    with dg.instance_for_test() as fresh_instance:
        batch = batch_recompute(incremental, tmp_path / "batch", fresh_instance)
        for key in LAKE_TABLES:
            for day in days:
                assert batch.lake_frame(key, day).equals(incremental.lake_frame(key, day)), (key, day)
        for table in ("parks", "house_sales"):
            assert warehouse_table(batch, table).equals(warehouse_table(incremental, table)), table
        check_predictions(incremental, batch, days)

    scorings = warehouse_table(incremental, "price_predictions")
    materializations = instance.fetch_materializations(PREDICTIONS, limit=10_000).records
    assert len(materializations) > len(days)
    for record in materializations:  # every scoring ever made, with all its rows
        metadata = record.asset_materialization.metadata
        recorded = scorings.filter(
            (pl.col("partition_date") == dt.date.fromisoformat(record.partition_key or ""))
            & (pl.col("scoring") == metadata["scoring"].value)
        )
        assert recorded.height == metadata["dagster/row_count"].value, record.partition_key
