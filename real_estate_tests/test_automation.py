"""Schedules, the landing sensor, Slack alerts and backfills, against real files, S3 and HTTP."""

import datetime as dt
import logging
import uuid
from pathlib import Path

import boto3
import dagster as dg
import pytest
from dagster._core.definitions.sensor_definition import SensorExecutionData

from real_estate.automation import (
    HOUSE_SALES_CHAIN,
    PARKS_CHAIN,
    slack_on_run_failure,
)
from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.resources.alerts import SlackAlerts
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop
from real_estate_tests.conftest import Pipeline, local_env, make_pipeline
from real_estate_tests.slack_server import serve_slack

DAY = dt.date(2026, 10, 5)


class LandingSensor:
    """The definitions' landing sensor, evaluated as the daemon would, cursor carried between ticks."""

    def __init__(self, tmp_path: Path, landing_url: str, instance: dg.DagsterInstance) -> None:
        self.defs = make_pipeline(
            local_env(tmp_path) | {"REAL_ESTATE_LANDING_URL": landing_url}, instance
        ).defs
        self.sensor = self.defs.resolve_sensor_def("house_sales_landing_sensor")
        self.instance = instance

    def tick(self, cursor: str | None) -> SensorExecutionData:
        context = dg.build_sensor_context(instance=self.instance, cursor=cursor, definitions=self.defs)
        return self.sensor.evaluate_tick(context)


def write_drop(landing_url: str, day: dt.date) -> None:
    write_house_sales_drop(generate_house_sales(day, rows=10), landing_url, day)


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_landing_sensor_requests_one_run_per_new_drop(
    storage: str, tmp_path: Path, instance: dg.DagsterInstance, request: pytest.FixtureRequest
) -> None:
    landing_url = str(tmp_path / "landing")
    if storage == "s3":
        request.getfixturevalue("s3_endpoint")
        bucket = f"landing-{uuid.uuid4().hex[:8]}"
        boto3.client("s3").create_bucket(Bucket=bucket)
        landing_url = f"s3://{bucket}/landing"
    sensor = LandingSensor(tmp_path, landing_url, instance)
    assert sensor.tick(None).skip_message is not None

    write_drop(landing_url, DAY)
    first = sensor.tick(None)

    [run] = first.run_requests
    assert run.partition_key == DAY.isoformat() and run.run_key.startswith(f"{DAY}.csv:")
    assert set(run.asset_selection) == {*HOUSE_SALES_CHAIN, *PARKS_CHAIN}
    again = sensor.tick(first.cursor)
    assert not again.run_requests and again.skip_message is not None

    write_drop(landing_url, DAY + dt.timedelta(days=1))
    second = sensor.tick(again.cursor)
    assert [r.partition_key for r in second.run_requests] == [(DAY + dt.timedelta(days=1)).isoformat()]


def test_landing_sensor_skips_bad_names_with_a_reason(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    folder = tmp_path / "landing" / "house_sales"
    folder.mkdir(parents=True)
    for name in ("notes.txt", "2026-13-01.csv", "2025-12-31.csv", "2026-1-5.csv"):
        (folder / name).write_text("id\n")

    result = LandingSensor(tmp_path, str(tmp_path / "landing"), instance).tick(None)

    assert not result.run_requests
    reason = result.skip_message
    assert "2026-13-01.csv" in reason and "2025-12-31.csv" in reason and "notes.txt" in reason


def test_drops_already_ingested_before_the_sensor_saw_them_are_not_run_again(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path), instance)
    pipeline.write_drop(DAY)
    assert pipeline.materialize(DAY, dg.AssetSelection.assets(["bronze", "house_sales"])).success
    pipeline.write_drop(DAY + dt.timedelta(days=1))

    result = LandingSensor(tmp_path, pipeline.settings.landing_url, instance).tick(None)

    assert [r.partition_key for r in result.run_requests] == [(DAY + dt.timedelta(days=1)).isoformat()]


def test_a_replaced_drop_is_ingested_again(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    landing_url = str(tmp_path / "landing")
    sensor = LandingSensor(tmp_path, landing_url, instance)
    write_drop(landing_url, DAY)
    first = sensor.tick(None)

    write_house_sales_drop(generate_house_sales(DAY, rows=12), landing_url, DAY)
    second = sensor.tick(first.cursor)

    assert len(second.run_requests) == 1 and second.run_requests[0].run_key != first.run_requests[0].run_key


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
