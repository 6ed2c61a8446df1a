"""Gold predictions: the day's houses scored by the champion model, each scoring kept in the
warehouse for audit."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from real_estate.assets.common import ML, partition_day
from real_estate.assets.conditions import when_inputs_ready
from real_estate.assets.gold import HOUSES_WITH_PARKS_KEY
from real_estate.assets.ml import PRICE_MODEL_KEY
from real_estate.assets.warehouse import Load, warehouse_load_asset
from real_estate.checks import CheckedOutput, mismatched_ids, publish_checked, rows_check, schema_check_spec
from real_estate.metadata import markdown_table, model_metadata
from real_estate.partitions import daily_partitions
from real_estate.resources.mlflow import CHAMPION, FEATURE_PROFILE_ARTIFACT, MlflowResource
from real_estate.resources.warehouse import WarehouseResource
from real_estate.schemas.gold import PricePredictionsGold
from real_estate.transforms.drift import PSI_WARN, population_stability
from real_estate.transforms.scorings import SCORING_COLUMN, scoring_id, with_scoring_id
from real_estate.transforms.training import predict_prices

PRICE_PREDICTIONS_KEY = dg.AssetKey(["gold", "price_predictions"])
ONE_PREDICTION_PER_HOUSE = "one_prediction_per_house"
FEATURE_DRIFT = "feature_drift"
SCORING_ROW_COUNT_CHECK = "row_count_matches_gold"

SCORINGS = Load(
    "price_predictions",
    PricePredictionsGold,
    PRICE_PREDICTIONS_KEY,
    check_name=SCORING_ROW_COUNT_CHECK,
    slice_by=("model_version", SCORING_COLUMN),
    prepare=with_scoring_id,
    group="ml",  # with the model and its scorings: loading the data groups never needs a model
)


def record_previous_scoring(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """Record the day's current scoring in the warehouse before a new one replaces it in the lake.

    `warehouse/price_predictions` records each scoring after it is made; this catches one it never
    got to (the day scored twice between automation ticks, by hand, or its load failed). Loading a
    scoring again replaces only itself, so this costs a small load and loses nothing.
    """
    stored = context.resources.io_manager.read_partition(PRICE_PREDICTIONS_KEY, context.partition_key)
    if stored is None:
        return
    previous, _ = stored
    day = partition_day(context)
    warehouse.replace_partition(
        SCORINGS.table, SCORINGS.model, day, SCORINGS.prepare(previous), SCORINGS.slice_by
    )


@dg.asset(
    key=PRICE_PREDICTIONS_KEY,
    ins={"features": dg.AssetIn(key=HOUSES_WITH_PARKS_KEY)},
    deps=[PRICE_MODEL_KEY],
    group_name="ml",
    partitions_def=daily_partitions,
    owners=[ML],
    kinds={"lightgbm", "polars", "parquet"},
    metadata=model_metadata(PricePredictionsGold),
    automation_condition=when_inputs_ready(),
    check_specs=[
        schema_check_spec(PRICE_PREDICTIONS_KEY, PricePredictionsGold),
        dg.AssetCheckSpec(
            ONE_PREDICTION_PER_HOUSE,
            asset=PRICE_PREDICTIONS_KEY,
            blocking=True,
            description="Every house of the day's feature set has exactly one prediction.",
        ),
        dg.AssetCheckSpec(
            FEATURE_DRIFT,
            asset=PRICE_PREDICTIONS_KEY,
            description=f"Warns when a feature's PSI against the model's training window exceeds {PSI_WARN}.",
        ),
    ],
)
def price_predictions(
    context: dg.AssetExecutionContext,
    mlflow_registry: MlflowResource,
    warehouse: WarehouseResource,
    features: pl.LazyFrame,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """The day's batch predictions from the champion model, with its version on every row, for audit."""
    record_previous_scoring(context, warehouse)
    champion = mlflow_registry.alias_version(CHAMPION)
    if champion is None:
        raise dg.Failure(
            description=(
                f"gold/price_predictions [{context.partition_key}]: no version of model "
                f"{mlflow_registry.model_name!r} has the alias {CHAMPION!r} yet. "
                "Materialize ml/price_model first."
            ),
            allow_retries=False,
        )
    model = mlflow_registry.load_model(champion.version)
    houses = features.collect()
    predictions = houses.select("id", "sale_date", "zipcode", "price").with_columns(
        predicted_price=pl.Series(predict_prices(model, houses), dtype=pl.Float64),
        model_name=pl.lit(mlflow_registry.model_name),
        model_version=pl.lit(str(champion.version)),
        model_run_id=pl.lit(champion.run_id),
        predicted_at=pl.lit(dt.datetime.now(dt.UTC)).dt.cast_time_unit("us"),
    )
    psi = population_stability(
        mlflow_registry.load_run_dict(champion.run_id, FEATURE_PROFILE_ARTIFACT), houses
    )
    drifted = psi.filter(pl.col("psi") > PSI_WARN)
    context.log.info(
        f"gold/price_predictions [{context.partition_key}]: {predictions.height} houses scored by "
        f"version {champion.version}; {drifted.height} features drifted (PSI > {PSI_WARN})"
    )
    yield from publish_checked(
        context,
        [
            CheckedOutput(
                PRICE_PREDICTIONS_KEY,
                predictions,
                PricePredictionsGold,
                metadata={
                    "model_version": str(champion.version),
                    "model_run_id": champion.run_id,
                    "scoring": scoring_id(predictions),
                    "median_abs_pct_error": float(
                        (
                            (predictions["predicted_price"] - predictions["price"]).abs()
                            / predictions["price"]
                        ).median()
                        or 0.0
                    ),
                },
                checks=[
                    rows_check(
                        ONE_PREDICTION_PER_HOUSE,
                        PRICE_PREDICTIONS_KEY,
                        context.partition_key,
                        mismatched_ids(
                            houses, predictions, ("gold/houses_with_parks", "gold/price_predictions")
                        ),
                        "house ids do not have exactly one prediction",
                    ),
                    rows_check(
                        FEATURE_DRIFT,
                        PRICE_PREDICTIONS_KEY,
                        context.partition_key,
                        drifted,
                        f"features drifted from the training window (PSI > {PSI_WARN})",
                        severity=dg.AssetCheckSeverity.WARN,
                        metadata={
                            "max_psi": float(psi["psi"].max() or 0.0),
                            "psi_by_feature": dg.MetadataValue.md(markdown_table(psi, max_rows=40)),
                        },
                    ),
                ],
            )
        ],
    )


warehouse_scorings = warehouse_load_asset(
    SCORINGS,
    "Every scoring of the day's houses, kept for audit: appended per model version and scoring, "
    "never replaced by a later one (scoring again with the same version and houses replaces itself).",
    # Each new scoring in the lake is recorded, in the same run as the scoring when automation runs
    # it, and on any day: an old day scored on request is recorded too.
    automation_condition=when_inputs_ready(window=None),
)
