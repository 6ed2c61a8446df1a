"""How the pipeline runs itself: jobs, schedules, the landing-zone sensor and failure alerts.

- `refresh_parks` runs daily at 02:00 UTC for yesterday: the parks extract and what follows it.
- `ingest_house_sales` runs for each new `house_sales/<date>.csv` drop (the landing sensor); it
  also extracts that day's parks when they are not there yet.
- gold assets join both and materialize on their own once their inputs are there (declarative
  automation, `AutomationCondition.eager()`), so no run waits on the other.
- `retrain_price_model` runs weekly (Monday 03:00 UTC) on the window up to yesterday; the new
  version becomes champion only if it beats the current one on a big enough holdout.
- Any failed run posts one Slack alert naming the failed steps and failed checks.
"""

import datetime as dt
import json
import os
from dataclasses import dataclass

import dagster as dg

from real_estate.partitions import daily_partitions
from real_estate.resources.alerts import SlackAlerts
from real_estate.storage import as_upath, is_local

PARKS_CHAIN = [
    dg.AssetKey(["bronze", "parks_addresses"]),
    dg.AssetKey(["bronze", "park_features"]),
    dg.AssetKey(["silver", "parks"]),
    dg.AssetKey(["warehouse", "parks"]),
]
HOUSE_SALES_CHAIN = [
    dg.AssetKey(["bronze", "house_sales"]),
    dg.AssetKey(["silver", "house_sales"]),
    dg.AssetKey(["silver", "house_sales_rejected"]),
    dg.AssetKey(["warehouse", "house_sales"]),
]
PRICE_MODEL = dg.AssetSelection.assets(["ml", "price_model"])
PRICE_MODEL_OP = "ml__price_model"
SILVER_PARKS_KEY = dg.AssetKey(["silver", "parks"])
BRONZE_HOUSE_SALES_KEY = dg.AssetKey(["bronze", "house_sales"])

LATE_DROP_WINDOW = dt.timedelta(days=30)


def when_inputs_ready() -> dg.AutomationCondition:
    """Dagster's `eager()` condition for the partitions of the last 30 days, not only the latest.

    A drop that arrives a few days late still gets its gold and predictions without a manual run.
    """
    eager = dg.AutomationCondition.eager()
    latest_only = next(
        child
        for child in eager.children
        if isinstance(child, type(dg.AutomationCondition.in_latest_time_window()))
    )
    return eager.replace(latest_only, dg.AutomationCondition.in_latest_time_window(LATE_DROP_WINDOW))


# Evaluates the automation conditions above; on by default, unlike Dagster's own default sensor.
gold_automation_sensor = dg.AutomationConditionSensorDefinition(
    "gold_when_inputs_ready",
    target=dg.AssetSelection.assets(["gold", "houses_with_parks"], ["gold", "price_predictions"]),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Materializes gold features and predictions for a day once its inputs are there.",
)

refresh_parks = dg.define_asset_job(
    "refresh_parks",
    selection=dg.AssetSelection.assets(*PARKS_CHAIN),
    description="Extract the day's Seattle parks snapshot and rebuild silver and warehouse parks.",
)
ingest_house_sales = dg.define_asset_job(
    "ingest_house_sales",
    selection=dg.AssetSelection.assets(*HOUSE_SALES_CHAIN, *PARKS_CHAIN),
    description="Ingest a day's house-sales drop into bronze, silver (with quarantine) and the warehouse.",
)
retrain_price_model = dg.define_asset_job(
    "retrain_price_model",
    selection=PRICE_MODEL,
    description="Train the price model on the window up to as_of and register it in MLflow.",
)

daily_parks_schedule = dg.build_schedule_from_partitioned_job(
    refresh_parks, hour_of_day=2, name="daily_parks_refresh", default_status=dg.DefaultScheduleStatus.RUNNING
)


@dg.schedule(
    cron_schedule="0 3 * * 1",
    job=retrain_price_model,
    execution_timezone="UTC",
    name="weekly_price_model_retraining",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def weekly_retraining_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every Monday, train on the window up to yesterday (the last complete day), named in the config."""
    as_of = (context.scheduled_execution_time.date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(
        run_key=f"retrain-{as_of}",
        run_config={"ops": {PRICE_MODEL_OP: {"config": {"as_of": as_of}}}},
    )


@dataclass(frozen=True)
class Drop:
    """A file in the landing zone."""

    name: str
    modified: float
    version: str


@dataclass(frozen=True)
class LandingCursor:
    """The drops already handled (name and version), among those still in the landing zone.

    A set of keys rather than a timestamp: a file moved in with an old modification time is still
    new, and a replaced file (new version) is handled again. One key per daily drop stays small.
    """

    keys: frozenset[str] = frozenset()

    @staticmethod
    def key(drop: "Drop") -> str:
        return f"{drop.name}:{drop.version}"

    @classmethod
    def parse(cls, cursor: str | None) -> "LandingCursor":
        return cls(frozenset(json.loads(cursor))) if cursor else cls()

    def serialize(self) -> str:
        return json.dumps(sorted(self.keys))

    def is_new(self, drop: "Drop") -> bool:
        return self.key(drop) not in self.keys

    def after(self, present: list["Drop"]) -> "LandingCursor":
        """Every drop present now counts as handled; keys of files gone are forgotten."""
        return LandingCursor(frozenset(self.key(drop) for drop in present))


def list_drops(landing_url: str) -> list[Drop]:
    """The files under `<landing>/house_sales/`: a folder's entries, or S3 objects via dagster-aws."""
    folder = as_upath(landing_url.rstrip("/") + "/house_sales")
    if is_local(folder):
        if not folder.exists():
            return []
        return [
            Drop(entry.name, entry.stat().st_mtime, f"{entry.stat().st_size}-{entry.stat().st_mtime_ns}")
            for entry in os.scandir(folder.path)
            if entry.is_file() and not entry.name.startswith(".")
        ]
    from dagster_aws.s3.sensor import get_objects

    bucket, _, prefix = folder.path.partition("/")
    return [
        Drop(obj["Key"].rsplit("/", 1)[-1], obj["LastModified"].timestamp(), obj["ETag"].strip('"'))
        for obj in get_objects(bucket, prefix=prefix.rstrip("/") + "/")
    ]


def drop_partition(name: str) -> str | None:
    """The partition a drop is for, or None when its name is not `<YYYY-MM-DD>.csv` in range."""
    stem, dot, extension = name.rpartition(".")
    if not dot or extension != "csv":
        return None
    try:
        day = dt.date.fromisoformat(stem)
    except ValueError:
        return None
    if day.isoformat() != stem or day < daily_partitions.start.date():
        return None
    return stem


def ingested_after(instance: dg.DagsterInstance, partition: str, modified: float) -> bool:
    """Whether bronze/house_sales of `partition` was materialized after the drop was last written."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=BRONZE_HOUSE_SALES_KEY, asset_partitions=[partition]), limit=1
    ).records
    return bool(records) and records[0].timestamp >= modified


def build_landing_sensor(landing_url: str) -> dg.SensorDefinition:
    """A sensor that starts `ingest_house_sales` once for each new or replaced drop."""

    @dg.sensor(
        name="house_sales_landing_sensor",
        job=ingest_house_sales,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Starts ingest_house_sales for each new house_sales/<YYYY-MM-DD>.csv in {landing_url}.",
    )
    def house_sales_landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        seen = LandingCursor.parse(context.cursor)
        present = list_drops(landing_url)
        drops = [drop for drop in present if seen.is_new(drop)]
        requests, skipped = [], []
        have_parks = set(context.instance.get_materialized_partitions(SILVER_PARKS_KEY))
        for drop in sorted(drops, key=lambda d: d.name):
            partition = drop_partition(drop.name)
            if partition is None:
                skipped.append(drop.name)
                continue
            if ingested_after(context.instance, partition, drop.modified):
                continue  # e.g. loaded by a backfill before the sensor first saw the file
            selection = HOUSE_SALES_CHAIN if partition in have_parks else [*HOUSE_SALES_CHAIN, *PARKS_CHAIN]
            requests.append(
                dg.RunRequest(
                    # The same file (name and version) never starts a second run; a replaced one does.
                    run_key=LandingCursor.key(drop),
                    partition_key=partition,
                    asset_selection=selection,
                    tags={"landing_file": drop.name},
                )
            )
        if skipped:
            context.log.warning(
                f"Skipped {len(skipped)} landing files whose names are not <YYYY-MM-DD>.csv from "
                f"{daily_partitions.start.date()} on: {', '.join(skipped[:20])}"
            )
        cursor = seen.after(present).serialize()
        if not requests:
            reason = (
                "no new house-sales drops"
                if not skipped
                else f"unusable file names: {', '.join(skipped[:20])}"
            )
            return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return house_sales_landing_sensor


def failure_alert_text(context: dg.RunFailureSensorContext, slack: SlackAlerts) -> str:
    """What the alert says: job, partition, failed steps, failed checks with their metadata, a link."""
    run = context.dagster_run
    partition = run.tags.get("dagster/partition", "(none)")
    lines = [f":red_circle: Run of {run.job_name} for partition {partition} failed."]
    for event in context.get_step_failure_events():
        error = event.event_specific_data.error
        message = (error.message if error else "").strip().splitlines()
        lines.append(f"• step {event.step_key}: {message[0][:300] if message else 'failed'}")
    records = context.instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        details = ", ".join(
            f"{key}={value.value}" for key, value in evaluation.metadata.items() if key in ALERT_METADATA
        )
        lines.append(
            f"• check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed ({details})"
        )
    lines.append(f"Run: {slack.run_url(run.run_id)}")
    return "\n".join(lines)


ALERT_METADATA = (
    "partition",
    "as_of",
    "failed_rows",
    "rows_rejected",
    "rejected_share",
    "holdout_rmse",
    "baseline_rmse",
)


@dg.run_failure_sensor(
    name="slack_on_run_failure",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts one Slack alert per failed run (to the log when no Slack token is set).",
)
def slack_on_run_failure(context: dg.RunFailureSensorContext, slack: SlackAlerts) -> None:
    slack.send(failure_alert_text(context, slack))
