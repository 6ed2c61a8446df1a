"""Deployment settings, read from the environment in one place.

`local` (the default) needs nothing: a datalake folder, bundled sample parks, an embedded DuckDB
warehouse, a sqlite MLflow store and Slack alerts written to the log. `prod` refuses to start
unless every setting it needs is given explicitly.
"""

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from real_estate.executors import CELERY_BACKEND_URL, CELERY_BROKER_URL, EXECUTORS
from real_estate.text import bounded

DEPLOYMENTS = ("local", "prod")

DEFAULTS = {
    "REAL_ESTATE_LAKE_URL": "data/lake",
    "REAL_ESTATE_LANDING_URL": "data/landing",
    "REAL_ESTATE_WAREHOUSE_URL": "duckdb:///data/warehouse.duckdb",
    "REAL_ESTATE_WAREHOUSE_SCHEMA": "real_estate",
    "MLFLOW_TRACKING_URI": "sqlite:///data/mlflow.db",
    "REAL_ESTATE_MLFLOW_ARTIFACTS_URL": "data/mlflow-artifacts",
    "REAL_ESTATE_TRAINING_WINDOW_DAYS": "28",
    "REAL_ESTATE_MIN_HOLDOUT_ROWS": "300",
    "REAL_ESTATE_MIN_HOLDOUT_DAYS": "3",
    "REAL_ESTATE_MAX_REJECTED_SHARE": "0.01",
    "REAL_ESTATE_EXECUTOR": "in_process",
    "REAL_ESTATE_MAX_CONCURRENT_STEPS": "2",
    "REAL_ESTATE_MAX_DROP_MB": "512",
}

REQUIRED_IN_PROD = (
    "REAL_ESTATE_LAKE_URL",
    "REAL_ESTATE_LANDING_URL",
    "REAL_ESTATE_SOCRATA_URL",
    "REAL_ESTATE_WAREHOUSE_URL",
    "MLFLOW_TRACKING_URI",
    "REAL_ESTATE_MLFLOW_ARTIFACTS_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
)


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


PARTITIONS_START = "REAL_ESTATE_PARTITIONS_START"
DEFAULT_PARTITIONS_START = "2026-01-01"


def partitions_start(env: Mapping[str, str] | None = None) -> str:
    """The first daily partition (`REAL_ESTATE_PARTITIONS_START`, default 2026-01-01).

    Set it earlier to backfill imported history (see `real-estate-import`). It is read when the
    definitions load (with the other settings), by every process (UI, daemon, runs, CLI) from its
    own environment.
    """
    value = ((os.environ if env is None else env).get(PARTITIONS_START) or DEFAULT_PARTITIONS_START).strip()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or day.isoformat() != value or day > dt.datetime.now(dt.UTC).date():
        raise ConfigurationError(f"{PARTITIONS_START}={value!r}: expected a past day as YYYY-MM-DD")
    return value


# The warehouse URLs the warehouse resource loads into (resources/warehouse.py).
WAREHOUSE_URL_PREFIXES = ("duckdb:///", "postgresql://", "postgres://", "redshift://")


def warehouse_kind(url: str) -> str:
    """The warehouse backend a URL names, from its scheme: duckdb, postgresql or redshift.

    Any other URL is a `ConfigurationError` naming the variable and only the scheme: the URL may
    carry a password.
    """
    scheme = url.split(":", 1)[0] if ":" in url else "scheme-less"
    if not url.startswith(WAREHOUSE_URL_PREFIXES):
        raise ConfigurationError(
            "REAL_ESTATE_WAREHOUSE_URL: expected duckdb:///<path>, postgresql://... or redshift://..., "
            f"got a {bounded(scheme, 40)!r} URL"
        )
    return "postgresql" if scheme == "postgres" else scheme


def whole_number(name: str, value: str, minimum: int, unit: str = "") -> int:
    """`value` of variable `name` as a number: digits 0-9 only, at least `minimum`."""
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        raise ConfigurationError(
            f"{name}={value!r}: expected a whole number{unit} >= {minimum}, in digits 0-9"
        )
    return int(value)


def resolve_location(url: str) -> str:
    """An `s3://`-style URL unchanged; a local path made absolute against the working directory."""
    if "://" in url:
        return url
    return str(Path(url).expanduser().resolve())


def _resolve_db_url(url: str, scheme: str) -> str:
    """`scheme:///relative/path` made absolute, as SQLAlchemy-style URLs read it."""
    prefix = f"{scheme}:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + resolve_location(url[len(prefix) :])
    return url


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline reads from its environment."""

    deployment: str
    partitions_start: str
    lake_url: str
    landing_url: str
    socrata_url: str | None
    socrata_app_token: bool
    warehouse_url: str
    warehouse_schema: str
    mlflow_tracking_uri: str
    mlflow_artifacts_url: str
    training_window_days: int
    min_holdout_rows: int
    min_holdout_days: int
    max_rejected_share: float
    redshift_iam_role: str | None
    slack_channel: str | None
    slack_api_url: str | None
    slack_enabled: bool
    webserver_url: str
    executor: str
    max_concurrent_steps: int
    max_drop_mb: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read and validate the settings; raise `ConfigurationError` naming what is wrong."""
        env = os.environ if env is None else env
        deployment = env.get("REAL_ESTATE_DEPLOYMENT", "local")
        if deployment not in DEPLOYMENTS:
            raise ConfigurationError(
                f"REAL_ESTATE_DEPLOYMENT={deployment!r}: expected one of {', '.join(DEPLOYMENTS)}"
            )
        if deployment == "prod":
            missing = [name for name in REQUIRED_IN_PROD if not env.get(name)]
            if missing:
                raise ConfigurationError(
                    "REAL_ESTATE_DEPLOYMENT=prod needs these variables set: " + ", ".join(missing)
                )

        def get(name: str) -> str:
            return env.get(name) or DEFAULTS[name]

        def number(name: str, minimum: int, unit: str = "") -> int:
            return whole_number(name, get(name), minimum, unit)

        window = number("REAL_ESTATE_TRAINING_WINDOW_DAYS", 2, " of days")
        minimums = {
            name: number(name, 1) for name in ("REAL_ESTATE_MIN_HOLDOUT_ROWS", "REAL_ESTATE_MIN_HOLDOUT_DAYS")
        }
        if minimums["REAL_ESTATE_MIN_HOLDOUT_DAYS"] >= window:
            raise ConfigurationError(
                f"REAL_ESTATE_MIN_HOLDOUT_DAYS={minimums['REAL_ESTATE_MIN_HOLDOUT_DAYS']} must be below "
                f"REAL_ESTATE_TRAINING_WINDOW_DAYS={window}: a holdout of the whole window leaves no day "
                "to train on, so no version could ever be promoted"
            )
        share = get("REAL_ESTATE_MAX_REJECTED_SHARE")
        try:
            max_rejected_share = float(share) if share.isascii() else -1.0
        except ValueError:
            max_rejected_share = -1.0
        if not 0.0 <= max_rejected_share <= 1.0:
            raise ConfigurationError(
                f"REAL_ESTATE_MAX_REJECTED_SHARE={share!r}: expected a fraction from 0 to 1, e.g. 0.01"
            )
        executor = get("REAL_ESTATE_EXECUTOR")
        if executor not in EXECUTORS:
            raise ConfigurationError(
                f"REAL_ESTATE_EXECUTOR={executor!r}: expected one of {', '.join(EXECUTORS)}"
            )
        if executor == "celery":
            unset = [name for name in (CELERY_BROKER_URL, CELERY_BACKEND_URL) if not env.get(name)]
            if unset:
                raise ConfigurationError(
                    "REAL_ESTATE_EXECUTOR=celery needs these variables set (for Redis, both may be the "
                    "same redis:// URL): " + ", ".join(unset)
                )
        concurrent = number("REAL_ESTATE_MAX_CONCURRENT_STEPS", 1)
        max_drop_mb = number("REAL_ESTATE_MAX_DROP_MB", 1, " of MB")
        warehouse_url = _resolve_db_url(get("REAL_ESTATE_WAREHOUSE_URL"), "duckdb")
        warehouse_kind(warehouse_url)  # fails now, naming the variable, rather than at the first load
        return cls(
            deployment=deployment,
            partitions_start=partitions_start(env),
            lake_url=resolve_location(get("REAL_ESTATE_LAKE_URL")),
            landing_url=resolve_location(get("REAL_ESTATE_LANDING_URL")),
            socrata_url=env.get("REAL_ESTATE_SOCRATA_URL") or None,
            socrata_app_token=bool(env.get("SOCRATA_APP_TOKEN")),
            warehouse_url=warehouse_url,
            warehouse_schema=get("REAL_ESTATE_WAREHOUSE_SCHEMA"),
            mlflow_tracking_uri=_resolve_db_url(get("MLFLOW_TRACKING_URI"), "sqlite"),
            mlflow_artifacts_url=resolve_location(get("REAL_ESTATE_MLFLOW_ARTIFACTS_URL")),
            training_window_days=window,
            min_holdout_rows=minimums["REAL_ESTATE_MIN_HOLDOUT_ROWS"],
            min_holdout_days=minimums["REAL_ESTATE_MIN_HOLDOUT_DAYS"],
            max_rejected_share=max_rejected_share,
            redshift_iam_role=env.get("REAL_ESTATE_REDSHIFT_IAM_ROLE") or None,
            slack_channel=env.get("SLACK_CHANNEL") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            slack_enabled=bool(env.get("SLACK_BOT_TOKEN")),
            webserver_url=env.get("DAGSTER_WEBSERVER_URL") or "http://127.0.0.1:3000",
            executor=executor,
            max_concurrent_steps=concurrent,
            max_drop_mb=max_drop_mb,
        )

    @property
    def warehouse_kind(self) -> str:
        """The warehouse backend: duckdb, postgresql or redshift."""
        return warehouse_kind(self.warehouse_url)
