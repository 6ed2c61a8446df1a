"""How the pipeline runs itself: jobs, schedules, the landing-zone sensor and failure alerts.

- `refresh_parks` runs daily at 02:00 UTC for yesterday: the parks extract and what follows it.
- `ingest_house_sales` runs for each complete version of a `house_sales/<date>.csv` drop (the
  landing sensor, `landing_sensor.py`); it also extracts that day's parks when they are not there yet.
- gold assets join both and materialize on their own once their inputs are there (declarative
  automation, `AutomationCondition.eager()`), so no run waits on the other.
- `retrain_price_model` runs weekly (Monday 03:00 UTC) on the window up to yesterday; the new
  version becomes champion only if it beats the current one on a big enough holdout.
- Any failed run posts one Slack alert naming the failed steps and failed checks.
"""

import datetime as dt

import dagster as dg

from real_estate.resources.alerts import SlackAlerts
from real_estate.text import bounded, slack_escaped

PARKS_CHAIN = [
    dg.AssetKey(["bronze", "parks_addresses"]),
    dg.AssetKey(["bronze", "park_features"]),
    dg.AssetKey(["silver", "parks"]),
    dg.AssetKey(["warehouse", "parks"]),
]
# A drop feeds these, up to the day's gold features: a drop that comes later than the gold
# automation's 30-day window still gets its gold in the run that ingests it.
HOUSE_SALES_CHAIN = [
    dg.AssetKey(["bronze", "house_sales"]),
    dg.AssetKey(["silver", "house_sales"]),
    dg.AssetKey(["silver", "house_sales_rejected"]),
    dg.AssetKey(["warehouse", "house_sales"]),
    dg.AssetKey(["gold", "houses_with_parks"]),
]
PRICE_MODEL = dg.AssetSelection.assets(["ml", "price_model"])
PRICE_MODEL_OP = "ml__price_model"
SILVER_PARKS_KEY = dg.AssetKey(["silver", "parks"])

LATE_DROP_WINDOW = dt.timedelta(days=30)
MAX_ALERT_LINE = 400


def when_inputs_ready() -> dg.AutomationCondition:
    """Dagster's `eager()` condition for the partitions of the last 30 days, not only the latest,
    counting an input as updated only when its data version changed.

    A drop that arrives a few days late still gets its gold and predictions without a manual run.
    An input materialized again with the data it had (a kept parks snapshot, a re-run or backfill
    of an unchanged day) keeps its data version, so nothing is computed or scored again.
    """
    eager = dg.AutomationCondition.eager()
    latest_only = next(
        child
        for child in eager.children
        if isinstance(child, type(dg.AutomationCondition.in_latest_time_window()))
    )
    changed = (
        dg.AutomationCondition.newly_updated()
        & dg.AutomationCondition.data_version_changed()
        & ~dg.AutomationCondition.executed_with_root_target()
    ).with_label("newly_changed_without_root")
    any_deps_changed = dg.AutomationCondition.any_deps_match(
        changed | dg.AutomationCondition.will_be_requested()
    ).with_label("any_deps_changed")
    return eager.replace(latest_only, dg.AutomationCondition.in_latest_time_window(LATE_DROP_WINDOW)).replace(
        "any_deps_updated", any_deps_changed
    )


# Evaluates the automation conditions above; on by default, unlike Dagster's own default sensor.
gold_automation_sensor = dg.AutomationConditionSensorDefinition(
    "gold_when_inputs_ready",
    target=dg.AssetSelection.assets(
        ["gold", "houses_with_parks"], ["gold", "price_predictions"], ["warehouse", "price_predictions"]
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Materializes gold features and predictions for a day once its inputs are there, and records "
        "each scoring in the warehouse."
    ),
)

refresh_parks = dg.define_asset_job(
    "refresh_parks",
    selection=dg.AssetSelection.assets(*PARKS_CHAIN),
    description="Extract the day's Seattle parks snapshot and rebuild silver and warehouse parks.",
)
ingest_house_sales = dg.define_asset_job(
    "ingest_house_sales",
    selection=dg.AssetSelection.assets(*HOUSE_SALES_CHAIN, *PARKS_CHAIN),
    description=(
        "Ingest a day's house-sales drop into bronze, silver (with quarantine), the warehouse and the "
        "day's gold features."
    ),
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


def failure_alert_text(context: dg.RunFailureSensorContext, slack: SlackAlerts) -> str:
    """What the alert says: job, partition, failed steps, failed checks with their metadata, a link.

    Error messages and metadata can carry text from the data (a drop's column names, say): each
    line is bounded and escaped, so nothing in it is live Slack markup.
    """
    run = context.dagster_run
    partition = run.tags.get("dagster/partition", "(none)")
    lines = [f":red_circle: Run of {run.job_name} for partition {partition} failed."]
    for event in context.get_step_failure_events():
        error = event.event_specific_data.error
        message = (error.message if error else "").strip().splitlines()
        lines.append(f"• step {event.step_key}: {message[0] if message else 'failed'}")
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
    return "\n".join(bounded(slack_escaped(line), MAX_ALERT_LINE) for line in lines)


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
