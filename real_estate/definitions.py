"""The one `Definitions` object: every asset and check, with resources chosen by deployment.

Loaded lazily (`@dg.definitions`): importing this module, or any other, reads no environment.
Dagster's tools (`dg dev`, `dg check defs`, `dagster asset materialize -m real_estate.definitions`)
call `defs()` when they load the code location; a malformed variable then fails the load with
the variable's name and what it expects.
"""

import dagster as dg

from real_estate.assets import bronze, gold, ml, predictions, silver, warehouse
from real_estate.assets.landing import landing_house_sales
from real_estate.automation import (
    daily_parks_schedule,
    gold_automation_sensor,
    ingest_house_sales,
    refresh_parks,
    retrain_price_model,
    slack_on_run_failure,
    weekly_retraining_schedule,
)
from real_estate.deployment import Settings
from real_estate.executors import build_executor
from real_estate.freshness import with_daily_freshness
from real_estate.landing_sensor import house_sales_landing_sensor
from real_estate.partitions import starting_on
from real_estate.resources.alerts import SLACK_API_URL, SlackAlerts
from real_estate.resources.lake import LakeIOManager
from real_estate.resources.landing import LandingZone
from real_estate.resources.mlflow import MlflowResource
from real_estate.resources.quality import DataQualityResource
from real_estate.resources.socrata import SocrataResource
from real_estate.resources.warehouse import WarehouseResource
from real_estate.storage import as_upath, is_local
from real_estate.transforms.promotion import HoldoutSize

WAREHOUSE_URL = "REAL_ESTATE_WAREHOUSE_URL"
MLFLOW_TRACKING_URI = "MLFLOW_TRACKING_URI"


def build_resources(settings: Settings) -> dict[str, object]:
    """Resources for a deployment; secrets come from the environment at run time."""
    return {
        "io_manager": LakeIOManager(base_url=settings.lake_url),
        "landing": LandingZone(url=settings.landing_url, max_drop_mb=settings.max_drop_mb),
        "socrata": SocrataResource(
            base_url=settings.socrata_url,
            app_token=dg.EnvVar("SOCRATA_APP_TOKEN") if settings.socrata_app_token else None,
        ),
        "warehouse": WarehouseResource(
            # A server URL carries credentials: read it from the environment at run time, so it
            # never shows in the UI's resource config.
            url=settings.warehouse_url if settings.warehouse_kind == "duckdb" else dg.EnvVar(WAREHOUSE_URL),
            schema_name=settings.warehouse_schema,
            redshift_staging_url=f"{settings.lake_url}/_staging/warehouse",
            redshift_iam_role=settings.redshift_iam_role,
        ),
        "quality": DataQualityResource(max_rejected_share=settings.max_rejected_share),
        "slack": SlackAlerts(
            token=dg.EnvVar("SLACK_BOT_TOKEN") if settings.slack_enabled else "",
            channel=settings.slack_channel or "#data-alerts",
            api_url=settings.slack_api_url or SLACK_API_URL,
            webserver_url=settings.webserver_url,
        ),
        "mlflow_registry": MlflowResource(
            # Like the warehouse URL: a tracking server's URI may carry credentials, so it is read
            # from the environment at run time; the embedded sqlite store's path is shown as is.
            tracking_uri=settings.mlflow_tracking_uri
            if settings.mlflow_tracking_uri.startswith("sqlite:")
            else dg.EnvVar(MLFLOW_TRACKING_URI),
            artifacts_url=settings.mlflow_artifacts_url,
        ),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """The pipeline for one deployment's settings."""
    lake_kind = "local" if is_local(as_upath(settings.lake_url)) else "s3"
    lake_assets = dg.map_asset_specs(
        lambda spec: with_daily_freshness(spec.merge_attributes(kinds={lake_kind})),
        [
            bronze.parks_addresses,
            bronze.park_features,
            bronze.house_sales,
            silver.parks,
            silver.house_sales,
            gold.houses_with_parks,
            predictions.price_predictions,
        ],
    )
    warehouse_assets = dg.map_asset_specs(
        lambda spec: with_daily_freshness(spec.merge_attributes(kinds={settings.warehouse_kind})),
        [warehouse.parks, warehouse.house_sales, predictions.warehouse_scorings],
    )
    assets = [
        landing_house_sales,
        *lake_assets,
        *warehouse_assets,
        ml.build_price_model(
            settings.training_window_days,
            HoldoutSize(rows=settings.min_holdout_rows, days=settings.min_holdout_days),
        ),
    ]
    return dg.Definitions(
        assets=starting_on(assets, settings.partitions_start),
        jobs=[refresh_parks, ingest_house_sales, retrain_price_model],
        schedules=[daily_parks_schedule, weekly_retraining_schedule],
        sensors=[house_sales_landing_sensor, slack_on_run_failure, gold_automation_sensor],
        resources=build_resources(settings),
        executor=build_executor(settings.executor, settings.max_concurrent_steps),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The pipeline for the settings of this process's environment, read when Dagster loads it."""
    return build_definitions(Settings.from_env())
