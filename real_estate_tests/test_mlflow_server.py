"""Training and scoring against a real MLflow tracking server whose URI carries a password.

The server (`mlflow server`, sqlite backend) runs on 127.0.0.1 and ignores the credentials; the
test checks that the password shows nowhere a person or a log could read it.
"""

import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import httpx
import mlflow
import pytest

from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate_tests.conftest import BIN, local_env, make_pipeline
from real_estate_tests.dagster_dev import project_copy, running_dagster_dev
from real_estate_tests.ports import free_port
from real_estate_tests.test_ui import graphql

DAYS = [dt.date(2026, 9, 1) + dt.timedelta(days=n) for n in range(3)]
PASSWORD = "pa55-w0rd-9f1c"
MODEL = dg.AssetSelection.assets(["ml", "price_model"])
PREDICTIONS = dg.AssetSelection.assets(["gold", "price_predictions"])
RESOURCES_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
  ... on RepositoryLocation { repositories { allTopLevelResourceDetails {
    name configuredValues { key value type } } } }
  ... on PythonError { message } } } } } }"""


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mlflow server` on a free port of 127.0.0.1, with a sqlite store in a temporary folder."""
    root = tmp_path_factory.mktemp("mlflow_server")
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
