"""No secret leaks: with dummy secrets set, none appears in logs, metadata, MLflow or errors."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import mlflow
import psycopg
import pytest

from real_estate_tests.conftest import local_env, make_pipeline

HISTORY = [dt.date(2026, 10, 20) + dt.timedelta(days=n) for n in range(3)]
DAY = HISTORY[-1] + dt.timedelta(days=1)
SECRETS = {
    "SOCRATA_APP_TOKEN": "dummy-socrata-token-7f3a",
    "SLACK_BOT_TOKEN": "xoxb-dummy-slack-token-91c2",
    "AWS_SECRET_ACCESS_KEY": "dummy-aws-secret-key-55de",
}
PG_PASSWORD = "dummy-pg-password-0b4e"


def test_a_full_run_with_dummy_secrets_leaks_none(
    tmp_path: Path, instance: dg.DagsterInstance, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS secrets_test")
        admin.execute("CREATE DATABASE secrets_test")
    host = postgres_url.split("@", 1)[1].rsplit("/", 1)[0]
    warehouse_url = f"postgresql://postgres:{PG_PASSWORD}@{host}/secrets_test"
    env = local_env(tmp_path) | SECRETS | {"REAL_ESTATE_WAREHOUSE_URL": warehouse_url, "SLACK_CHANNEL": "#x"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pipeline = make_pipeline(env, instance)
    for day in [*HISTORY, DAY]:
        pipeline.write_drop(day, rows=80)
        result = pipeline.materialize(day, raise_on_error=False)
    failing = pipeline.materialize(DAY + dt.timedelta(days=1), raise_on_error=False)  # no drop: fails
    assert result.success and not failing.success

    leaked = [*SECRETS.values(), PG_PASSWORD]
    # Resource config is what the UI shows for each resource: secrets appear there by name only.
    shown = json.dumps({name: r.model_dump() for name, r in pipeline.defs.resources.items()}, default=str)
    assert not any(secret in shown for secret in leaked)
    assert "REAL_ESTATE_WAREHOUSE_URL" in shown and "SLACK_BOT_TOKEN" in shown
    for run in instance.get_runs():
        text = json.dumps(run.run_config) + json.dumps(run.tags)
        for record in instance.all_logs(run.run_id):
            text += record.user_message or ""
            if record.dagster_event is not None:
                text += dg.serialize_value(record.dagster_event)
        for secret in leaked:
            assert secret not in text, f"{secret} leaked in run {run.run_id}"
    client = mlflow.MlflowClient(pipeline.settings.mlflow_tracking_uri)
    for experiment in client.search_experiments():
        for run in client.search_runs([experiment.experiment_id]):
            text = json.dumps(run.data.params) + json.dumps(run.data.tags)
            assert not any(secret in text for secret in leaked)
