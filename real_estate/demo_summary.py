"""What `make demo` prints: one line per asset of the main run, then the model against its baseline.

Read from the Dagster instance after the run, so the full event log can go to a file instead of
the screen.
"""

import datetime as dt
from collections.abc import Collection

import dagster as dg

from real_estate.assets.ml import PRICE_MODEL_KEY
from real_estate.text import bounded

# Tags of runs that something other than the demo's own command started.
AUTOMATION_TAGS = ("dagster/sensor_name", "dagster/schedule_name", "dagster/backfill")


def partition_run_ids(instance: dg.DagsterInstance, day: dt.date) -> set[str]:
    """The ids of every run of the day's partition so far."""
    return set(instance.get_run_ids(dg.RunsFilter(tags={"dagster/partition": day.isoformat()})))


def launched_run(instance: dg.DagsterInstance, day: dt.date, before: Collection[str]) -> dg.DagsterRun | None:
    """The run the demo's `dagster asset materialize` created for the day: of the day's partition,
    not among the runs `before` it, and started by no sensor, schedule or backfill. None when the
    command created none."""
    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": day.isoformat()}))
    launched = [
        run
        for run in runs
        if run.run_id not in before and not any(tag in run.tags for tag in AUTOMATION_TAGS)
    ]
    return launched[-1] if launched else None  # newest first: the first one created


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """How long each step of the run took, from its start and end events."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            seconds[event.step_key] = record.timestamp - started.get(event.step_key, record.timestamp)
    return seconds


def asset_lines(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """One line per asset the run materialized or failed: partition, rows, checks, seconds."""
    seconds = step_seconds(instance, run_id)
    checks: dict[str, list[bool]] = {}
    rows: dict[str, tuple[str, str, str]] = {}
    failed_steps = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks.setdefault(evaluation.asset_key.to_user_string(), []).append(evaluation.passed)
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            count = materialization.metadata.get("dagster/row_count")
            key = materialization.asset_key.to_user_string()
            rows[key] = (
                materialization.partition or "-",
                f"{count.value:,} rows" if count is not None else "",
                event.step_key or "",
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failed_steps.append(event.step_key or "")
    lines = []
    for key, (partition, count, step) in rows.items():
        results = checks.get(key, [])
        verdict = f"checks {sum(results)}/{len(results)} passed" if results else "no checks"
        lines.append(f"  {key:<30} {partition:<11} {count:>12}  {verdict:<20} {seconds.get(step, 0):6.2f} s")
    lines += [f"  step {bounded(step)} FAILED: see the event log" for step in failed_steps]
    return lines


def model_line(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """The model's holdout metrics against the zip-median baseline, when the run trained one."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=PRICE_MODEL_KEY), limit=1
    ).records
    if not records or records[0].run_id != run_id:
        return None
    metadata = {name: value.value for name, value in records[0].asset_materialization.metadata.items()}
    return (
        f"  ml/price_model v{metadata.get('model_version', '?')} ({metadata.get('alias', '?')}): holdout "
        f"RMSE ${metadata.get('holdout_rmse_usd', 0):,.0f} (zip-median baseline "
        f"${metadata.get('baseline_rmse_usd', 0):,.0f}), MAPE {metadata.get('holdout_mape_pct', 0):.1f}%, "
        f"R² {metadata.get('holdout_r2', 0):.3f}"
    )


def run_summary(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The lines `make demo` prints for the main run."""
    model = model_line(instance, run_id)
    return asset_lines(instance, run_id) + ([model] if model else [])
