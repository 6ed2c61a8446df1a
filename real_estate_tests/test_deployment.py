"""Settings read from the environment: defaults, production requirements and clear errors."""

import re
from pathlib import Path

import pytest

from real_estate.deployment import REQUIRED_IN_PROD, ConfigurationError, Settings, partitions_start


def test_local_defaults_need_nothing_and_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    settings = Settings.from_env({})

    assert settings.deployment == "local"
    assert settings.lake_url == str(tmp_path / "data" / "lake")
    assert settings.landing_url == str(tmp_path / "data" / "landing")
    assert settings.warehouse_url == f"duckdb:///{tmp_path}/data/warehouse.duckdb"
    assert settings.mlflow_tracking_uri == f"sqlite:///{tmp_path}/data/mlflow.db"
    assert settings.socrata_url is None and settings.warehouse_kind == "duckdb"
    assert (settings.min_holdout_rows, settings.min_holdout_days) == (300, 3)


def test_s3_and_absolute_urls_are_kept() -> None:
    settings = Settings.from_env(
        {
            "REAL_ESTATE_LAKE_URL": "s3://bucket/lake",
            "MLFLOW_TRACKING_URI": "http://mlflow:5000",
            "REAL_ESTATE_WAREHOUSE_URL": "duckdb:////srv/warehouse.duckdb",
        }
    )

    assert settings.lake_url == "s3://bucket/lake"
    assert settings.mlflow_tracking_uri == "http://mlflow:5000"
    assert settings.warehouse_url == "duckdb:////srv/warehouse.duckdb"


def test_prod_refuses_to_start_naming_every_missing_variable() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({"REAL_ESTATE_DEPLOYMENT": "prod", "REAL_ESTATE_LAKE_URL": "s3://b/lake"})

    message = str(raised.value)
    assert "REAL_ESTATE_LAKE_URL" not in message
    for name in REQUIRED_IN_PROD[1:]:
        assert name in message


def test_prod_starts_with_everything_set() -> None:
    env = {name: f"s3://bucket/{name.lower()}" for name in REQUIRED_IN_PROD}
    env |= {
        "REAL_ESTATE_DEPLOYMENT": "prod",
        "REAL_ESTATE_WAREHOUSE_URL": "duckdb:////srv/w.duckdb",
        "MLFLOW_TRACKING_URI": "http://mlflow:5000",
    }

    assert Settings.from_env(env).deployment == "prod"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"REAL_ESTATE_DEPLOYMENT": "staging"}, "REAL_ESTATE_DEPLOYMENT='staging'"),
        ({"REAL_ESTATE_TRAINING_WINDOW_DAYS": "a week"}, "REAL_ESTATE_TRAINING_WINDOW_DAYS='a week'"),
        ({"REAL_ESTATE_TRAINING_WINDOW_DAYS": "1"}, ">= 2"),
        ({"REAL_ESTATE_EXECUTOR": "k8s"}, "REAL_ESTATE_EXECUTOR='k8s': expected one of"),
        ({"REAL_ESTATE_EXECUTOR": "celery"}, "REAL_ESTATE_CELERY_BROKER_URL, REAL_ESTATE_CELERY_BACKEND_URL"),
        ({"REAL_ESTATE_MAX_CONCURRENT_STEPS": "0"}, "REAL_ESTATE_MAX_CONCURRENT_STEPS='0'"),
        ({"REAL_ESTATE_MIN_HOLDOUT_ROWS": "many"}, "REAL_ESTATE_MIN_HOLDOUT_ROWS='many': expected a whole"),
        ({"REAL_ESTATE_MIN_HOLDOUT_DAYS": "0"}, "REAL_ESTATE_MIN_HOLDOUT_DAYS='0': expected a whole"),
        (  # a holdout can never span the whole window: no version could ever be promoted
            {"REAL_ESTATE_MIN_HOLDOUT_DAYS": "28"},
            "REAL_ESTATE_MIN_HOLDOUT_DAYS=28 must be below REAL_ESTATE_TRAINING_WINDOW_DAYS=28",
        ),
        (
            {"REAL_ESTATE_MIN_HOLDOUT_DAYS": "9", "REAL_ESTATE_TRAINING_WINDOW_DAYS": "7"},
            "REAL_ESTATE_MIN_HOLDOUT_DAYS=9 must be below REAL_ESTATE_TRAINING_WINDOW_DAYS=7",
        ),
    ],
)
def test_malformed_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REAL_ESTATE_MAX_DROP_MB", "²"),  # str.isdigit() says yes, int() says no
        ("REAL_ESTATE_TRAINING_WINDOW_DAYS", "٣٠"),  # Arabic-Indic 30: int() reads it
        ("REAL_ESTATE_MIN_HOLDOUT_ROWS", "３００"),  # full-width 300
        ("REAL_ESTATE_MIN_HOLDOUT_DAYS", "+3"),
        ("REAL_ESTATE_MAX_CONCURRENT_STEPS", " 2"),
        ("REAL_ESTATE_MAX_REJECTED_SHARE", "٠.٥"),
    ],
)
def test_a_number_in_other_than_ascii_digits_fails_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(f"{name}={value!r}: expected")):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    "url",
    ["mysql://loader:secret@db/x", "duckdb://data/w.duckdb", "sqlite:///w.db", "postgresql+psycopg://h/db"],
)
def test_a_warehouse_url_of_another_scheme_fails_at_load_without_showing_it(url: str) -> None:
    with pytest.raises(ConfigurationError, match="REAL_ESTATE_WAREHOUSE_URL: expected duckdb:///") as raised:
        Settings.from_env({"REAL_ESTATE_WAREHOUSE_URL": url})

    assert "secret" not in str(raised.value) and "data/w.duckdb" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("duckdb:////srv/w.duckdb", "duckdb"),
        ("postgresql://loader:secret@db/x", "postgresql"),
        ("postgres://loader:secret@db/x", "postgresql"),
        ("redshift://loader:secret@cluster:5439/x", "redshift"),
    ],
)
def test_every_warehouse_url_the_resource_loads_is_accepted(url: str, kind: str) -> None:
    assert Settings.from_env({"REAL_ESTATE_WAREHOUSE_URL": url}).warehouse_kind == kind


@pytest.mark.parametrize("value", ["2014-5-2", "yesterday", "2999-01-01"])
def test_a_malformed_partitions_start_names_the_variable(value: str) -> None:
    with pytest.raises(
        ConfigurationError, match=f"REAL_ESTATE_PARTITIONS_START='{value}': expected a past day"
    ):
        partitions_start({"REAL_ESTATE_PARTITIONS_START": value})
