"""Training and predictions against a real MLflow store (sqlite in a temporary folder)."""

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb
import mlflow
import polars as pl
import pytest

from real_estate.assets.gold import HOUSES_WITH_PARKS_KEY
from real_estate.assets.training_data import read_training_data
from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.resources.lake import PolarsParquetIOManager
from real_estate.resources.mlflow import CHALLENGER, CHAMPION, MlflowResource, fluent_store
from real_estate.storage import as_upath
from real_estate_tests.conftest import BIN, Pipeline, cli_env, local_env, make_pipeline
from real_estate_tests.ports import free_port

WEEK = [dt.date(2026, 8, 1) + dt.timedelta(days=n) for n in range(8)]
DAY = WEEK[-1] + dt.timedelta(days=1)
REPOSITORY = Path(__file__).resolve().parents[1]
PRICE_MODEL_KEY = dg.AssetKey(["ml", "price_model"])
MODEL = dg.AssetSelection.assets(["ml", "price_model"])
PREDICTIONS = dg.AssetSelection.assets(["gold", "price_predictions"])


@pytest.fixture(scope="module")
def gold_week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight days of gold feature sets and the next day's drop, prepared once for the module."""
    root = tmp_path_factory.mktemp("gold_week")
    with dg.instance_for_test() as instance:
        pipeline = make_pipeline(local_env(root), instance)
        for day in [*WEEK, DAY]:
            pipeline.write_drop(day, rows=150)
        for day in [*WEEK, DAY]:
            assert pipeline.materialize(day, UPSTREAM_OF_MODEL).success
    return root


def copy_gold_week(gold_week: Path, root: Path) -> None:
    for folder in ("lake", "landing"):
        shutil.copytree(gold_week / folder, root / folder)


def pipeline_on(gold_week: Path, root: Path, instance: dg.DagsterInstance, **env: str) -> Pipeline:
    """The pipeline on a copy of the prepared days, with settings `env` beside the test defaults."""
    copy_gold_week(gold_week, root)
    return make_pipeline(local_env(root) | env, instance)


@pytest.fixture
def ml_pipeline(gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance) -> Pipeline:
    return pipeline_on(gold_week, tmp_path, instance)


def registry(pipeline: Pipeline) -> MlflowResource:
    return MlflowResource(
        tracking_uri=pipeline.settings.mlflow_tracking_uri,
        artifacts_url=pipeline.settings.mlflow_artifacts_url,
    )


def train(pipeline: Pipeline, raise_on_error: bool = True, **config: object) -> dg.ExecuteInProcessResult:
    keys = list(MODEL.resolve(pipeline.defs.resolve_asset_graph()))
    return pipeline.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=keys,
        instance=pipeline.instance,
        raise_on_error=raise_on_error,
        run_config={"ops": {"ml__price_model": {"config": config}}} if config else None,
    )


def model_metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    [materialization] = result.asset_materializations_for_node("ml__price_model")
    return {name: value.value for name, value in materialization.metadata.items()}


def gold_file(pipeline: Pipeline, day: dt.date) -> Path:
    return Path(pipeline.settings.lake_url) / "gold" / "houses_with_parks" / f"{day}.parquet"


def test_gold_up_to_the_latest_day_gives_a_champion_that_beats_the_baseline(ml_pipeline: Pipeline) -> None:
    result = train(ml_pipeline)

    metadata = model_metadata(result)
    assert metadata["alias"] == CHAMPION and metadata["model_version"] == 1
    assert metadata["promotion"].startswith("no champion yet")
    assert "previous_champion_version" not in metadata  # present only as a version number
    assert metadata["window_days"] == 28  # REAL_ESTATE_TRAINING_WINDOW_DAYS, needed to reproduce
    assert metadata["holdout_rmse_usd"] < metadata["baseline_rmse_usd"]
    assert metadata["as_of"] == DAY.isoformat() and metadata["training_window"] == f"{WEEK[0]}..{DAY}"
    assert metadata["train_rows"] + metadata["holdout_rows"] == 9 * 150 and metadata["training_days"] == 9
    versions = {
        day.isoformat(): hashlib.sha256(gold_file(ml_pipeline, day).read_bytes()).hexdigest()
        for day in [*WEEK, DAY]
    }
    assert metadata["gold_sha256"] == versions
    assert "data:image/png;base64," in metadata["feature_importance"]
    assert "data:image/png;base64," in metadata["predicted_vs_actual"]
    assert "| RMSE | $" in metadata["comparison"] and "| MAPE |" in metadata["comparison"]
    assert "champion (none)" in metadata["comparison"]
    champion = registry(ml_pipeline).alias_version(CHAMPION)
    assert champion is not None and champion.version == 1
    assert champion.tags["promotion"] == metadata["promotion"]

    client = mlflow.MlflowClient(ml_pipeline.settings.mlflow_tracking_uri)
    run = client.get_run(champion.run_id)
    assert run.data.tags["dagster_run_id"] == result.run_id
    assert run.data.tags["as_of"] == DAY.isoformat() and run.data.tags["window_days"] == "28"
    assert run.data.tags["training_days"] == ",".join(versions)
    assert run.data.tags["gold_versions"] == ",".join(f"{day}:{sha[:16]}" for day, sha in versions.items())
    assert {
        "holdout_rmse",
        "holdout_mae",
        "holdout_mape",
        "holdout_r2",
        "baseline_rmse",
        "training_seconds",
    } <= run.data.metrics.keys()
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {
        "features.json",
        "feature_profile.json",
        "training_data.json",
        "feature_importance.png",
        "predicted_vs_actual.png",
    } <= artifacts
    assert Path(ml_pipeline.settings.mlflow_artifacts_url).is_dir()

    predicted = ml_pipeline.materialize(DAY, PREDICTIONS)
    predictions = ml_pipeline.lake_frame("gold/price_predictions", DAY)
    assert predictions.height == ml_pipeline.lake_frame("gold/houses_with_parks", DAY).height
    assert predictions["model_version"].unique().to_list() == ["1"]
    assert predictions["model_run_id"].unique().to_list() == [champion.run_id]
    checks = {c.check_name: c.passed for c in predicted.get_asset_check_evaluations()}
    assert checks == {"schema": True, "one_prediction_per_house": True, "feature_drift": True}


def test_as_of_reads_only_the_window_up_to_that_day(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = pipeline_on(gold_week, tmp_path, instance, REAL_ESTATE_TRAINING_WINDOW_DAYS="4")
    for day in (WEEK[0], WEEK[6], DAY):  # outside the window: never opened, so never noticed
        gold_file(pipeline, day).write_bytes(b"not parquet")

    metadata = model_metadata(train(pipeline, as_of=WEEK[5].isoformat(), holdout_days=2))

    assert metadata["as_of"] == WEEK[5].isoformat() and metadata["training_window"] == f"{WEEK[2]}..{WEEK[5]}"
    assert metadata["window_days"] == 4
    assert list(metadata["gold_sha256"]) == [day.isoformat() for day in WEEK[2:6]]
    assert metadata["holdout_days"] == 2 and metadata["train_rows"] == 2 * 150


def test_a_holdout_below_the_minimum_never_promotes(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = pipeline_on(gold_week, tmp_path, instance, REAL_ESTATE_MIN_HOLDOUT_ROWS="2000")

    metadata = model_metadata(train(pipeline))

    assert metadata["alias"] == CHALLENGER and metadata["holdout_days"] == 7
    assert metadata["promotion"] == (
        "holdout too small to promote: 1050 rows over 7 days, minimum 2000 rows and 2 days"
    )
    assert registry(pipeline).alias_version(CHAMPION) is None
    assert registry(pipeline).alias_version(CHALLENGER).tags["promotion"] == metadata["promotion"]


def test_a_holdout_configured_below_the_minimum_fails_before_training(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = pipeline_on(gold_week, tmp_path, instance, REAL_ESTATE_MIN_HOLDOUT_DAYS="8")

    result = train(pipeline, raise_on_error=False, holdout_days=7)

    message = result.failure_data_for_node("ml__price_model").error.message
    assert "run config holdout_days=7 is below REAL_ESTATE_MIN_HOLDOUT_DAYS=8" in message
    assert "could never be promoted" in message and "Nothing was trained" in message
    assert mlflow.MlflowClient(pipeline.settings.mlflow_tracking_uri).search_model_versions() == []


def test_a_gold_file_gone_between_listing_and_reading_fails_naming_the_day(
    gold_week: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_gold_week(gold_week, tmp_path)
    lake = PolarsParquetIOManager(base_path=as_upath(str(tmp_path / "lake")))
    listed = lake.stored_partitions(HOUSES_WITH_PARKS_KEY)
    monkeypatch.setattr(lake, "stored_partitions", lambda key: listed)  # listed before the file went
    (tmp_path / "lake" / "gold" / "houses_with_parks" / f"{WEEK[3]}.parquet").unlink()

    with pytest.raises(dg.Failure) as failure:
        read_training_data(lake, None, 28)

    assert f"gold/houses_with_parks for {WEEK[3]} was listed but is gone" in str(failure.value.description)


def test_same_data_gives_the_same_metrics_and_a_tie_does_not_take_the_alias(ml_pipeline: Pipeline) -> None:
    first = model_metadata(train(ml_pipeline))
    second = model_metadata(train(ml_pipeline))

    assert {k: first[k] for k in first if k.startswith("holdout_")} == {
        k: second[k] for k in second if k.startswith("holdout_")
    }
    assert first["gold_sha256"] == second["gold_sha256"]
    assert second["alias"] == CHALLENGER and second["previous_champion_version"] == 1
    assert registry(ml_pipeline).alias_version(CHAMPION).version == 1
    assert registry(ml_pipeline).alias_version(CHALLENGER).version == 2


def test_a_model_worse_than_the_champion_stays_challenger(ml_pipeline: Pipeline) -> None:
    train(ml_pipeline)

    worse = model_metadata(train(ml_pipeline, n_estimators=5))

    assert worse["alias"] == CHALLENGER and worse["previous_champion_version"] == 1
    assert worse["promotion"].startswith(
        f"RMSE {worse['holdout_rmse_usd']:,.0f} does not beat the champion's"
    )
    assert "champion v1" in worse["comparison"]
    assert registry(ml_pipeline).alias_version(CHAMPION).version == 1


def test_a_model_that_loses_to_the_baseline_fails_its_check_and_blocks_predictions(
    ml_pipeline: Pipeline,
) -> None:
    train(ml_pipeline)
    keys = list((MODEL | PREDICTIONS).resolve(ml_pipeline.defs.resolve_asset_graph()))

    result = ml_pipeline.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=DAY.isoformat(),
        asset_selection=keys,
        instance=ml_pipeline.instance,
        raise_on_error=False,
        run_config={"ops": {"ml__price_model": {"config": {"n_estimators": 5, "baseline_margin": 0.5}}}},
    )

    assert not result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "beats_zip_median_baseline"]
    assert not check.passed
    assert check.metadata["holdout_rmse"].value > 0.5 * check.metadata["baseline_rmse"].value
    assert check.description.startswith("failed: version 2's holdout RMSE $"), check.description
    assert "by the margin 50%" in check.description
    assert model_metadata(result)["alias"] == CHALLENGER
    assert registry(ml_pipeline).alias_version(CHAMPION).version == 1
    assert "gold/price_predictions" not in {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }


def test_predictions_without_a_champion_fail_naming_the_asset_to_run(ml_pipeline: Pipeline) -> None:
    result = ml_pipeline.materialize(DAY, PREDICTIONS, raise_on_error=False)

    assert not result.success
    message = result.failure_data_for_node("gold__price_predictions").error.message
    assert "no version of model 'real_estate_price' has the alias 'champion'" in message
    assert "Materialize ml/price_model first" in message


def test_feature_drift_warns_without_blocking(ml_pipeline: Pipeline) -> None:
    train(ml_pipeline)
    drop = Path(ml_pipeline.settings.landing_url) / "house_sales" / f"{DAY}.csv"
    sales = pl.read_csv(drop, infer_schema=False)
    sales.with_columns(sqft_lot=(pl.col("sqft_lot").cast(pl.Int64) * 40).cast(pl.String)).write_csv(drop)
    assert ml_pipeline.materialize(DAY, UPSTREAM_OF_MODEL).success

    result = ml_pipeline.materialize(DAY, PREDICTIONS)

    drift = next(c for c in result.get_asset_check_evaluations() if c.check_name == "feature_drift")
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert "sqft_lot" in drift.metadata["failing_rows_sample"].value
    assert ml_pipeline.lake_frame("gold/price_predictions", DAY).height == sales.height


def test_an_unavailable_mlflow_store_fails_clearly_and_the_champion_keeps_serving(
    ml_pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert train(ml_pipeline).success
    down = f"http://mlflow-user:s3cret@127.0.0.1:{free_port()}"  # nothing listens: the server is down
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", down)  # the resource reads it at run time (EnvVar)
    outage = make_pipeline(local_env(tmp_path) | {"MLFLOW_TRACKING_URI": down}, ml_pipeline.instance)

    result = train(outage, raise_on_error=False)

    message = result.failure_data_for_node("ml__price_model").error.message
    assert "ml/price_model: the MLflow store at http://***@127.0.0.1:" in message
    assert "is unavailable" in message and "the champion alias is unchanged" in message
    assert "s3cret" not in message
    versions = mlflow.MlflowClient(ml_pipeline.settings.mlflow_tracking_uri).search_model_versions()
    assert [int(v.version) for v in versions] == [1]
    assert int(registry(ml_pipeline).alias_version(CHAMPION).version) == 1
    predicted = ml_pipeline.materialize(DAY, PREDICTIONS)
    assert predicted.success
    assert ml_pipeline.lake_frame("gold/price_predictions", DAY)["model_version"].unique().to_list() == ["1"]


def train_command(config: dict[str, object]) -> list[str]:
    """`dagster asset materialize` of the model alone, as the README gives it, with run config."""
    run_config = {"ops": {"ml__price_model": {"config": config}}}
    return [str(BIN / "dagster"), "asset", "materialize", "-m", "real_estate.definitions"] + [
        "--select",
        "ml/price_model",
        "--config-json",
        json.dumps(run_config),
    ]


def step_window(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float]:
    """When the model step of a run started and ended."""
    records = instance.all_logs(run_id)
    started = [r.timestamp for r in records if r.dagster_event_type == dg.DagsterEventType.STEP_START]
    ended = [r.timestamp for r in records if r.dagster_event_type == dg.DagsterEventType.STEP_SUCCESS]
    return min(started), max(ended)


def shared_instance_env(gold_week: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """CLI settings on the prepared days, an instance with the shipped dagster.yaml and an MLflow store.

    The instance and the store exist before the runs, as in any deployment (two processes creating
    their tables at once is Dagster's and MLflow's race, not the one under test).
    """
    copy_gold_week(gold_week, root)
    env = cli_env(root)
    shutil.copy(REPOSITORY / "dagster.yaml", env["DAGSTER_HOME"])  # the instance settings shipped
    monkeypatch.chdir(root)  # dagster.yaml's storage folders are relative to where runs start
    dg.DagsterInstance.from_config(env["DAGSTER_HOME"]).dispose()
    mlflow.MlflowClient(env["MLFLOW_TRACKING_URI"]).search_experiments()
    return env


def start_training(config: dict[str, object], env: dict[str, str], root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(train_command(config), env=env, cwd=root, stderr=subprocess.PIPE, text=True)


def finish(runs: list[subprocess.Popen[str]]) -> None:
    outputs = [run.communicate(timeout=600)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [out[-3000:] for out in outputs]


def cli_decisions(home: str) -> tuple[list[dict[str, object]], list[tuple[float, float]]]:
    """The model's materializations on the CLI's instance, oldest first, and when each step ran."""
    with dg.DagsterInstance.from_config(home) as instance:
        records = instance.fetch_materializations(PRICE_MODEL_KEY, limit=10, ascending=True).records
        decisions = [
            {name: value.value for name, value in r.asset_materialization.metadata.items()} for r in records
        ]
        return decisions, sorted(step_window(instance, r.run_id) for r in records)


def wait_for_a_step_start(home: str, timeout: float = 120) -> None:
    """Until a run on the instance has started its step (and so holds the pool's slot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with dg.DagsterInstance.from_config(home) as instance:
            if any(
                instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
                for run in instance.get_runs()
            ):
                return
        time.sleep(0.5)
    raise TimeoutError("no training step started")


def test_two_training_runs_at_once_leave_the_better_model_champion(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = shared_instance_env(gold_week, tmp_path, monkeypatch)

    finish([start_training(config, env, tmp_path) for config in ({}, {"n_estimators": 5})])

    decisions, windows = cli_decisions(env["DAGSTER_HOME"])
    assert len(decisions) == 2
    # One training step decided at a time: the pool serialized the two runs.
    assert windows[0][1] <= windows[1][0], windows
    # Each promotion replaced the champion current at that moment, by a better model.
    champion, champion_rmse = None, math.inf
    for decision in decisions:
        assert decision.get("previous_champion_version") == champion, decisions
        if decision["alias"] == CHAMPION:
            assert decision["holdout_rmse_usd"] < champion_rmse, decisions
            champion, champion_rmse = decision["model_version"], decision["holdout_rmse_usd"]
    best = min(decisions, key=lambda d: d["holdout_rmse_usd"])
    final = registry(make_pipeline(local_env(tmp_path), instance)).alias_version(CHAMPION)
    assert int(final.version) == best["model_version"] == champion


def test_racing_runs_on_two_windows_never_give_the_alias_to_the_older(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = shared_instance_env(gold_week, tmp_path, monkeypatch)
    pipeline = make_pipeline(local_env(tmp_path), instance)
    # The champion of the moment: a weak model on a middle window, which both newcomers outscore.
    weak = model_metadata(
        train(pipeline, raise_on_error=False, as_of=WEEK[6].isoformat(), holdout_days=2, n_estimators=5)
    )
    registry(pipeline).set_alias(CHAMPION, weak["model_version"])  # by hand: it may lose to the baseline
    older, newer = WEEK[5].isoformat(), DAY.isoformat()

    # The older window starts first: ahead of the newer one, it would beat the weak champion's RMSE.
    runs = [start_training({"as_of": older, "holdout_days": 2}, env, tmp_path)]
    wait_for_a_step_start(env["DAGSTER_HOME"])
    runs.append(start_training({"as_of": newer, "holdout_days": 2}, env, tmp_path))
    finish(runs)

    decisions, _ = cli_decisions(env["DAGSTER_HOME"])
    by_as_of = {decision["as_of"]: decision for decision in decisions}
    assert by_as_of[older]["alias"] == CHALLENGER, by_as_of[older]["promotion"]
    assert f"as_of {older} is older than the champion's as_of {WEEK[6]}" in by_as_of[older]["promotion"]
    assert by_as_of[newer]["alias"] == CHAMPION, by_as_of[newer]["promotion"]
    assert by_as_of[newer]["previous_champion_version"] == weak["model_version"]
    assert int(registry(pipeline).alias_version(CHAMPION).version) == by_as_of[newer]["model_version"]


SCORING = dg.AssetSelection.assets(["gold", "price_predictions"], ["warehouse", "price_predictions"])
AUDIT_QUERY = (REPOSITORY / "docs" / "audit_queries.sql").read_text()


def test_every_scoring_of_a_day_stays_queryable_with_its_model_version(ml_pipeline: Pipeline) -> None:
    train(ml_pipeline)
    assert ml_pipeline.materialize(DAY, SCORING).success
    assert ml_pipeline.materialize(DAY, SCORING).success  # the same model on the same houses again
    train(ml_pipeline, n_estimators=40)
    client = mlflow.MlflowClient(ml_pipeline.settings.mlflow_tracking_uri)
    client.set_registered_model_alias(registry(ml_pipeline).model_name, CHAMPION, "2")  # promoted by hand

    assert ml_pipeline.materialize(DAY, SCORING).success

    latest = ml_pipeline.lake_frame("gold/price_predictions", DAY)
    assert latest["model_version"].unique().to_list() == ["2"]
    house = latest["id"][0]
    warehouse = ml_pipeline.settings.warehouse_url.removeprefix("duckdb:///")
    with duckdb.connect(warehouse, read_only=True) as connection:
        scorings = connection.execute(
            "SELECT model_version, count(*), count(DISTINCT id) FROM real_estate.price_predictions "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        audit = connection.execute(
            AUDIT_QUERY.replace(":house_id", "$house_id").replace(":day", "$day"),
            {"house_id": house, "day": DAY},
        ).fetchall()
    assert scorings == [("1", latest.height, latest.height), ("2", latest.height, latest.height)]
    assert [row[5] for row in audit] == ["1", "2"] and all(row[1] == house for row in audit)
    assert audit[1][3] == latest.filter(pl.col("id") == house)["predicted_price"].item()


def test_a_scoring_never_recorded_is_secured_before_a_new_one_replaces_it(ml_pipeline: Pipeline) -> None:
    train(ml_pipeline)
    assert ml_pipeline.materialize(DAY, PREDICTIONS).success  # scored by hand: nothing records it
    train(ml_pipeline, n_estimators=40)
    client = mlflow.MlflowClient(ml_pipeline.settings.mlflow_tracking_uri)
    client.set_registered_model_alias(registry(ml_pipeline).model_name, CHAMPION, "2")

    assert ml_pipeline.materialize(DAY, SCORING).success

    warehouse = ml_pipeline.settings.warehouse_url.removeprefix("duckdb:///")
    with duckdb.connect(warehouse, read_only=True) as connection:
        scorings = connection.execute(
            "SELECT model_version, count(*) FROM real_estate.price_predictions GROUP BY 1 ORDER BY 1"
        ).fetchall()
    rows = ml_pipeline.lake_frame("gold/price_predictions", DAY).height
    assert scorings == [("1", rows), ("2", rows)]


def mlflow_process_state() -> tuple[object, ...]:
    """What MLflow holds for the whole process: its URIs and the variables it exports them as."""
    return (
        mlflow.is_tracking_uri_set(),
        mlflow.get_tracking_uri(),
        mlflow.get_registry_uri(),
        os.environ.get("MLFLOW_TRACKING_URI"),
        os.environ.get("MLFLOW_REGISTRY_URI"),
    )


def test_training_and_scoring_leave_mlflows_process_wide_uris_as_they_were(ml_pipeline: Pipeline) -> None:
    before = mlflow_process_state()

    assert train(ml_pipeline).success and ml_pipeline.materialize(DAY, PREDICTIONS).success
    registry(ml_pipeline).load_run_dict(registry(ml_pipeline).alias_version(CHAMPION).run_id, "features.json")

    assert mlflow_process_state() == before
    assert ml_pipeline.settings.mlflow_tracking_uri not in before


@pytest.mark.parametrize("previous", [None, "variable", "module"])
def test_the_fluent_store_puts_back_what_was_set_before(
    previous: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    if previous == "variable":
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    if previous == "module":
        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    before = mlflow_process_state()
    ours = f"sqlite:///{tmp_path / 'ours.db'}"
    try:
        with fluent_store(ours):
            assert mlflow.get_tracking_uri() == ours and mlflow.get_registry_uri() == ours
        assert mlflow_process_state() == before
    finally:
        mlflow.set_tracking_uri(None)


def test_a_day_whose_every_sale_was_rejected_is_scored_as_empty(
    gold_week: Path, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    """A day with no valid sale has empty gold: scoring it records an empty scoring instead of
    failing in LightGBM, every time the day is scored."""
    empty_day = DAY + dt.timedelta(days=1)
    pipeline = pipeline_on(gold_week, tmp_path, instance, REAL_ESTATE_MAX_REJECTED_SHARE="1.0")
    pipeline.write_drop(empty_day, rows=1, bad_rows=1)
    assert pipeline.materialize(empty_day, UPSTREAM_OF_MODEL).success
    assert pipeline.lake_frame("gold/houses_with_parks", empty_day).is_empty()
    train(pipeline)

    assert pipeline.materialize(empty_day, SCORING).success
    assert pipeline.lake_frame("gold/price_predictions", empty_day).is_empty()
