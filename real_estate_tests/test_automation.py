"""Schedules, automation, Slack alerts and backfills on real files and HTTP (landing: test_landing.py)."""

import datetime as dt
import logging
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import freeze_time

from real_estate.automation import (
    slack_on_run_failure,
)
from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.resources.alerts import SlackAlerts
from real_estate_tests.conftest import Pipeline, local_env, make_pipeline
from real_estate_tests.slack_server import serve_slack
from real_estate_tests.soda_server import serve_parks

DAY = dt.date(2026, 10, 5)
DOWNSTREAM_OF_PARKS = [
    dg.AssetKey(["gold", "houses_with_parks"]),
    dg.AssetKey(["gold", "price_predictions"]),
    dg.AssetKey(["warehouse", "price_predictions"]),
]


def test_schedules_target_the_last_complete_day(pipeline: Pipeline) -> None:
    at = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    daily = pipeline.defs.resolve_schedule_def("daily_parks_refresh")
    weekly = pipeline.defs.resolve_schedule_def("weekly_price_model_retraining")

    def tick(schedule: dg.ScheduleDefinition, when: dt.datetime) -> list[dg.RunRequest]:
        context = dg.build_schedule_context(
            instance=pipeline.instance,
            scheduled_execution_time=when,
            repository_def=pipeline.defs.get_repository_def(),
        )
        return schedule.evaluate_tick(context).run_requests

    assert [request.partition_key for request in tick(daily, at)] == ["2026-11-01"]
    [retrain] = tick(weekly, at.replace(hour=3))
    assert retrain.partition_key is None  # the model is not partitioned: as_of names the window's end
    assert retrain.run_config == {"ops": {"ml__price_model": {"config": {"as_of": "2026-11-01"}}}}
    assert daily.cron_schedule == "0 2 * * *" and weekly.cron_schedule == "0 3 * * 1"
    assert daily.job_name == "refresh_parks" and weekly.job_name == "retrain_price_model"


def failing_run(pipeline: Pipeline) -> dg.ExecuteInProcessResult:
    pipeline.write_drop(DAY, rows=100, bad_rows=10)
    result = pipeline.materialize(DAY, UPSTREAM_OF_MODEL, raise_on_error=False)
    assert not result.success
    return result


def alert_context(pipeline: Pipeline, result: dg.ExecuteInProcessResult) -> dg.RunFailureSensorContext:
    run = pipeline.instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name="slack_on_run_failure",
        dagster_instance=pipeline.instance,
        dagster_run=run,
        dagster_event=failure,
    ).for_run_failure()


def test_a_failed_run_posts_one_alert_naming_the_check_and_partition(pipeline: Pipeline) -> None:
    result = failing_run(pipeline)

    with serve_slack() as slack_api:
        slack = SlackAlerts(
            token="xoxb-test-token",
            channel="#real-estate",
            api_url=slack_api.url,
            webserver_url="http://dagster.example:3000",
        )
        slack_on_run_failure(alert_context(pipeline, result), slack=slack)

    [call] = slack_api.calls
    assert call["method"] == "POST" and call["path"] == "/api/chat.postMessage"
    assert call["auth"] == "Bearer xoxb-test-token" and call["channel"] == "#real-estate"
    text = str(call["text"])
    assert f"partition {DAY} failed" in text
    assert "silver/house_sales:rejected_share_within_threshold failed" in text
    assert "rows_rejected=10" in text and "step silver_house_sales" in text
    assert f"http://dagster.example:3000/runs/{result.run_id}" in text


def test_without_a_token_the_alert_is_logged(pipeline: Pipeline, caplog: pytest.LogCaptureFixture) -> None:
    result = failing_run(pipeline)

    with caplog.at_level(logging.WARNING):
        slack_on_run_failure(alert_context(pipeline, result), slack=SlackAlerts(token=""))

    assert "no SLACK_BOT_TOKEN set" in caplog.text and "rejected_share_within_threshold" in caplog.text


def test_alert_text_taken_from_data_is_bounded_and_inert(pipeline: Pipeline) -> None:
    markup = "<!channel> <https://example.invalid|Re-auth> & more"
    drop = Path(pipeline.write_drop(DAY, rows=20))
    header, rest = drop.read_text().split("\n", 1)
    drop.write_text(f"{header},{markup},{'y' * 50_000}\n" + rest.replace("\n", ",1,1\n"))
    result = pipeline.materialize(DAY, UPSTREAM_OF_MODEL, raise_on_error=False)
    assert not result.success

    with serve_slack() as slack_api:
        slack = SlackAlerts(token="xoxb-test-token", channel="#real-estate", api_url=slack_api.url)
        slack_on_run_failure(alert_context(pipeline, result), slack=slack)

    text = str(slack_api.calls[0]["text"])
    assert "<!channel>" not in text and "<https://example.invalid" not in text
    assert "&lt;!channel&gt; &lt;https://example.invalid|Re-auth&gt; &amp; more" in text
    assert "step bronze__house_sales" in text and max(len(line) for line in text.splitlines()) <= 500


class AutomationTicks:
    """Declarative automation of the real definitions, evaluated tick after tick on one cursor."""

    def __init__(self, pipeline: Pipeline, days_after: int = 1) -> None:
        self.pipeline = pipeline
        self.cursor = None
        self.when = dt.datetime.combine(DAY + dt.timedelta(days=days_after), dt.time(3), tzinfo=dt.UTC)

    def requested(self, keys: list[dg.AssetKey] = DOWNSTREAM_OF_PARKS) -> dict[str, list[str]]:
        """What the next tick requests of `keys` (by default, what is downstream of parks), by asset."""
        self.when += dt.timedelta(minutes=1)
        with freeze_time(self.when):
            result = dg.evaluate_automation_conditions(
                self.pipeline.defs, self.pipeline.instance, evaluation_time=self.when, cursor=self.cursor
            )
        self.cursor = result.cursor
        return {
            key.to_user_string(): sorted(result.get_requested_partitions(key))
            for key in keys
            if result.get_requested_partitions(key)
        }


def refresh_parks(pipeline: Pipeline, refetch: bool = False) -> None:
    """The `refresh_parks` job for DAY, as the daily schedule or a backfill runs it."""
    config = {"config": {"refetch": True}}
    run_config = (
        {"ops": {"bronze__parks_addresses": config, "bronze__park_features": config}} if refetch else None
    )
    result = pipeline.defs.resolve_job_def("refresh_parks").execute_in_process(
        partition_key=DAY.isoformat(), instance=pipeline.instance, run_config=run_config
    )
    assert result.success


def day_with_a_model(
    tmp_path: Path, instance: dg.DagsterInstance, socrata_url: str
) -> tuple[Pipeline, "AutomationTicks"]:
    """DAY built up to the model's inputs, a model recorded, and automation's cursor started."""
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": socrata_url}, instance)
    pipeline.write_drop(DAY, rows=50)
    assert pipeline.materialize(DAY, UPSTREAM_OF_MODEL).success
    # A model exists: predictions wait for nothing else (its training is test_ml.py's concern).
    instance.report_runless_asset_event(dg.AssetMaterialization(["ml", "price_model"]))
    ticks = AutomationTicks(pipeline)
    assert ticks.requested() == {}  # the first evaluation only starts the cursor
    return pipeline, ticks


def test_parks_run_again_unchanged_trigger_nothing_downstream_and_changed_parks_do(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    with serve_parks(num_parks=80, seed=5) as soda:
        pipeline, ticks = day_with_a_model(tmp_path, instance, soda.url)

        refresh_parks(pipeline)  # a re-run or backfill of the day: both snapshots kept
        assert ticks.requested() == {}
        assert pipeline.materialize(DAY, UPSTREAM_OF_MODEL).success  # gold too, from unchanged inputs
        assert ticks.requested() == {}

        soda.datasets["v5tj-kqhc"] = soda.datasets["v5tj-kqhc"][:60]  # the source moves on
        refresh_parks(pipeline, refetch=True)
        day = [DAY.isoformat()]
        assert ticks.requested() == dict.fromkeys(map(dg.AssetKey.to_user_string, DOWNSTREAM_OF_PARKS), day)


SILVER_AND_WAREHOUSE_PARKS = [dg.AssetKey(["silver", "parks"]), dg.AssetKey(["warehouse", "parks"])]


def test_a_refetch_of_the_bronze_parks_alone_reaches_silver_the_warehouse_and_gold(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    """The README's refetch command materializes only the bronze snapshots: the rest follows."""
    with serve_parks(num_parks=80, seed=5) as soda:
        pipeline, ticks = day_with_a_model(tmp_path, instance, soda.url)

        parks_before = pipeline.lake_frame("silver/parks", DAY).height
        soda.datasets["v5tj-kqhc"] = soda.datasets["v5tj-kqhc"][:60]
        config = {"config": {"refetch": True}}
        bronze_parks = [dg.AssetKey(["bronze", "parks_addresses"]), dg.AssetKey(["bronze", "park_features"])]
        run_config = {"ops": {"bronze__parks_addresses": config, "bronze__park_features": config}}
        assert pipeline.materialize(
            DAY, dg.AssetSelection.assets(*bronze_parks), run_config=run_config
        ).success

        # One tick requests the whole chain, as the daemon's run after a refetch would hold it.
        chain = [*SILVER_AND_WAREHOUSE_PARKS, *DOWNSTREAM_OF_PARKS]
        assert ticks.requested(chain) == dict.fromkeys(
            map(dg.AssetKey.to_user_string, chain), [DAY.isoformat()]
        )
        assert pipeline.materialize(DAY, dg.AssetSelection.assets(*SILVER_AND_WAREHOUSE_PARKS)).success
        assert pipeline.lake_frame("silver/parks", DAY).height < parks_before


def test_a_day_scored_by_hand_months_later_is_recorded_in_the_audit_table(pipeline: Pipeline) -> None:
    """Scoring an old day on request (README) reaches `warehouse/price_predictions` too: the audit
    table's automation is not limited to the last 30 days."""
    scorings = dg.AssetKey(["warehouse", "price_predictions"])
    ticks = AutomationTicks(pipeline, days_after=120)
    assert ticks.requested([scorings]) == {}
    pipeline.instance.report_runless_asset_event(
        dg.AssetMaterialization(["gold", "price_predictions"], partition=DAY.isoformat())
    )
    assert ticks.requested([scorings]) == {"warehouse/price_predictions": [DAY.isoformat()]}
