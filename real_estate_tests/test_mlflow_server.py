"""Training and scoring against a real MLflow tracking server whose URI carries a password.

The server (`mlflow server`, sqlite backend) runs on 127.0.0.1 and ignores the credentials; the
tests check that the password shows nowhere a person or a log could read it: the event log, the
commands' output, the instance's compute logs and storage, MLflow, errors and Slack alerts.
"""

import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import httpx
import mlflow
import pytest

from real_estate.automation import slack_on_run_failure
from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.resources.alerts import SlackAlerts
from real_estate.resources.mlflow import MlflowError, MlflowResource
from real_estate_tests.conftest import (
    BIN,
    cli_env,
    local_env,
    make_pipeline,
    materialize_command,
    run_command,
)
from real_estate_tests.dagster_dev import project_copy, running_dagster_dev
from real_estate_tests.http_server import QuietHandler, serving
from real_estate_tests.ports import free_port
from real_estate_tests.slack_server import serve_slack
from real_estate_tests.test_ml import REPOSITORY, train_command
from real_estate_tests.test_ui import graphql

DAYS = [dt.date(2026, 9, 1) + dt.timedelta(days=n) for n in range(3)]
PASSWORD = "pa55-w0rd-9f1c"
MODEL = dg.AssetSelection.assets(["ml", "price_model"])
PREDICTIONS = dg.AssetSelection.assets(["gold", "price_predictions"])
RESOURCES_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
  ... on RepositoryLocation { repositories { allTopLevelResourceDetails {
    name configuredValues { key value type } } } }
  ... on PythonError { message } } } } } }"""


@contextmanager
def running_mlflow_server(root: Path) -> Iterator[str]:
    """`mlflow server` on a free port of 127.0.0.1, with a sqlite store in `root`; stopped on exit."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        + ["--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"]
        + ["--default-artifact-root", str(root / "artifacts")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"mlflow server did not start: {(root / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_mlflow_server(tmp_path_factory.mktemp("mlflow_server")) as url:
        yield url


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def with_password(url: str) -> str:
    return url.replace("http://", f"http://mlflow-user:{PASSWORD}@")


def event_log_text(instance: dg.DagsterInstance) -> str:
    """Every event record of every run, and the job snapshots the UI shows their config from."""
    text = ""
    for run in instance.get_runs():
        text += dg.serialize_value(instance.get_job_snapshot(run.job_snapshot_id))
        text += json.dumps(run.run_config) + json.dumps(run.tags)
        text += "".join(dg.serialize_value(record) for record in instance.all_logs(run.run_id))
    return text


def mlflow_text(server: str) -> str:
    """Params and tags of every MLflow run, and tags of every registered model version."""
    client = mlflow.MlflowClient(server)
    text = ""
    for experiment in client.search_experiments():
        for run in client.search_runs([experiment.experiment_id]):
            text += json.dumps(run.data.params) + json.dumps(run.data.tags)
    for version in client.search_model_versions():
        text += json.dumps(version.tags) + str(version.source)
    return text


def test_a_password_in_the_tracking_uri_appears_nowhere(
    mlflow_server: str, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = local_env(tmp_path) | {"MLFLOW_TRACKING_URI": with_password(mlflow_server)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the resource reads the tracking URI at run time (EnvVar)
    pipeline = make_pipeline(env, instance)
    for day in DAYS:
        pipeline.write_drop(day, rows=100)
        assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success

    trained = pipeline.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=list(MODEL.resolve(pipeline.defs.resolve_asset_graph())), instance=instance
    )
    scored = pipeline.materialize(DAYS[-1], PREDICTIONS)

    [materialization] = trained.asset_materializations_for_node("ml__price_model")
    assert materialization.metadata["alias"].value == "champion"
    link = materialization.metadata["mlflow_run"].value
    assert link.startswith(f"{mlflow_server}/#/experiments/")  # a working link, without credentials
    champion = mlflow.MlflowClient(mlflow_server).get_model_version_by_alias("real_estate_price", "champion")
    assert scored.success
    assert pipeline.lake_frame("gold/price_predictions", DAYS[-1])["model_run_id"].unique().to_list() == [
        champion.run_id
    ]
    assert PASSWORD not in event_log_text(instance)
    assert PASSWORD not in mlflow_text(mlflow_server)
    shown = json.dumps({name: r.model_dump() for name, r in pipeline.defs.resources.items()}, default=str)
    assert PASSWORD not in shown and "MLFLOW_TRACKING_URI" in shown


def test_the_ui_shows_the_tracking_uri_by_variable_name(mlflow_server: str, tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    env = local_env(tmp_path) | {"MLFLOW_TRACKING_URI": with_password(mlflow_server)}

    with running_dagster_dev(project, env) as ui:
        data = graphql(ui, RESOURCES_QUERY)

    [entry] = data["workspaceOrError"]["locationEntries"]
    [repository] = entry["locationOrLoadError"]["repositories"]
    resources = {r["name"]: r["configuredValues"] for r in repository["allTopLevelResourceDetails"]}
    tracking = next(v for v in resources["mlflow_registry"] if v["key"] == "tracking_uri")
    assert tracking == {"key": "tracking_uri", "value": "MLFLOW_TRACKING_URI", "type": "ENV_VAR"}
    assert PASSWORD not in json.dumps(data)


def shipped_instance_env(root: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> dict[str, str]:
    """A CLI environment on an instance with the shipped dagster.yaml, its storage under `root`."""
    env = cli_env(root, **extra)
    shutil.copy(REPOSITORY / "dagster.yaml", env["DAGSTER_HOME"])
    monkeypatch.chdir(root)  # dagster.yaml's storage folders are relative to where runs start
    return env


def write_gold(root: Path, instance: dg.DagsterInstance) -> None:
    """A few days of gold in the lake under `root` (in-process: only what follows goes through the CLI)."""
    pipeline = make_pipeline(local_env(root), instance)
    for day in DAYS:
        pipeline.write_drop(day, rows=100)
        assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success


def files_holding(root: Path, secret: str) -> list[str]:
    """Every file under `root` whose bytes contain `secret`."""
    return [str(path) for path in root.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


def compute_logs(root: Path) -> str:
    """What the steps printed, as the instance's compute log manager captured it."""
    folder = root / "data" / "dagster" / "logs"
    return "".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def test_training_and_scoring_through_the_cli_show_the_password_nowhere(
    mlflow_server: str, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = shipped_instance_env(tmp_path, monkeypatch, MLFLOW_TRACKING_URI=with_password(mlflow_server))
    write_gold(tmp_path, instance)

    trained = run_command(train_command({}), env, tmp_path)
    scored = run_command(materialize_command("gold/price_predictions", DAYS[-1]), env, tmp_path)

    assert trained.returncode == 0 and scored.returncode == 0, (trained.stderr[-3000:], scored.stderr[-3000:])
    # MLflow prints its own run link: the line that carried the password, now captured without it.
    assert f"View run price_model as_of {DAYS[-1]} at: {mlflow_server}/#/experiments/" in compute_logs(
        tmp_path
    )
    output = trained.stdout + trained.stderr + scored.stdout + scored.stderr
    assert PASSWORD not in output
    assert files_holding(tmp_path, PASSWORD) == []  # the instance's storage and logs, the lake, the stores
    assert PASSWORD not in mlflow_text(mlflow_server)


def test_a_stopped_mlflow_server_fails_scoring_and_the_alert_without_the_password(
    tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = shipped_instance_env(tmp_path, monkeypatch, MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")
    write_gold(tmp_path, instance)
    with running_mlflow_server(tmp_path / "mlflow_server") as server:
        env["MLFLOW_TRACKING_URI"] = with_password(server)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", env["MLFLOW_TRACKING_URI"])  # read at run time (EnvVar)
        pipeline = make_pipeline(
            local_env(tmp_path) | {"MLFLOW_TRACKING_URI": env["MLFLOW_TRACKING_URI"]}, instance
        )
        trained = pipeline.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            asset_selection=list(MODEL.resolve(pipeline.defs.resolve_asset_graph())), instance=instance
        )
        assert trained.success

    scored = run_command(materialize_command("gold/price_predictions", DAYS[-1]), env, tmp_path)

    assert scored.returncode != 0
    assert PASSWORD not in scored.stdout + scored.stderr
    assert files_holding(tmp_path, PASSWORD) == []
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as cli_instance, serve_slack() as slack_api:
        [run] = cli_instance.get_runs()
        [failure] = cli_instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="slack_on_run_failure",
            dagster_instance=cli_instance,
            dagster_run=run,
            dagster_event=failure.dagster_event,
        ).for_run_failure()
        [step_failure] = context.get_step_failure_events()
        slack_on_run_failure(context, slack=SlackAlerts(token="xoxb-test-token", api_url=slack_api.url))
        logged = event_log_text(cli_instance)
    message = step_failure.event_specific_data.error.to_string()
    assert "127.0.0.1" in message and PASSWORD not in message
    text = str(slack_api.calls[0]["text"])
    assert "step gold__price_predictions" in text and PASSWORD not in text
    assert PASSWORD not in logged


MLFLOW_CALLS = {
    "alias_version": lambda registry: registry.alias_version("champion"),
    "run_tag": lambda registry: registry.run_tag("0" * 32, "as_of"),
    "set_alias": lambda registry: registry.set_alias("champion", 1),
    "set_version_tag": lambda registry: registry.set_version_tag(1, "promotion", "why"),
    "load_model": lambda registry: registry.load_model(1),
    "load_run_dict": lambda registry: registry.load_run_dict("0" * 32, "feature_profile.json"),
    "experiment_id": lambda registry: registry.experiment_id(),
}


@pytest.mark.parametrize("call", list(MLFLOW_CALLS))
def test_every_mlflow_call_fails_without_the_password(
    call: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    down = with_password(f"http://127.0.0.1:{free_port()}")  # nothing listens: the server is down
    registry = MlflowResource(tracking_uri=down, artifacts_url=str(tmp_path))

    with pytest.raises(MlflowError) as raised:
        MLFLOW_CALLS[call](registry)

    assert "127.0.0.1" in str(raised.value) and PASSWORD not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # nothing chained


def test_the_credentials_reach_the_server_as_basic_auth_and_only_for_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    authorizations = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            authorizations.append(self.headers.get("Authorization"))
            self.respond(200, b'{"experiments": []}', {"Content-Type": "application/json"})

        do_GET = do_POST  # noqa: N815

    with serving(Handler) as url:
        registry = MlflowResource(tracking_uri=with_password(url), artifacts_url=str(tmp_path))
        assert registry.unavailable_reason() is None

    assert authorizations == ["Basic " + base64.b64encode(f"mlflow-user:{PASSWORD}".encode()).decode()]
    assert "MLFLOW_TRACKING_PASSWORD" not in os.environ and "MLFLOW_TRACKING_USERNAME" not in os.environ
