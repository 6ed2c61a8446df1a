"""ML: a LightGBM price model versioned in the MLflow registry, and the day's batch predictions."""

import datetime as dt

import dagster as dg
import numpy as np
import polars as pl

from real_estate.assets.common import ML, partition_day
from real_estate.checks import CheckedOutput, mismatched_ids, publish_checked, rows_check, schema_check_spec
from real_estate.metadata import markdown_table, model_metadata
from real_estate.partitions import daily_partitions
from real_estate.resources.mlflow import CHALLENGER, CHAMPION, MlflowResource
from real_estate.schemas.gold import PricePredictionsGold
from real_estate.transforms.training import (
    FEATURE_COLUMNS,
    LIGHTGBM_PARAMS,
    model_input,
    predict_prices,
    regression_metrics,
    time_holdout_split,
    train_price_model,
    zip_median_baseline,
)

PRICE_MODEL_KEY = dg.AssetKey(["ml", "price_model"])
PREDICTIONS_KEY = dg.AssetKey(["gold", "price_predictions"])
FEATURES_KEY = dg.AssetKey(["gold", "houses_with_parks"])
BEATS_BASELINE_CHECK = "beats_zip_median_baseline"
ONE_PREDICTION_PER_HOUSE = "one_prediction_per_house"


class PriceModelConfig(dg.Config):
    """Training knobs; the defaults are what the schedule runs."""

    holdout_days: int = 7
    champion_margin: float = 0.0
    seed: int = 42


def _partition_frames(loaded: object) -> dict[str, pl.LazyFrame]:
    """The IO manager gives a dict for several partitions, a frame for one, None for none."""
    if loaded is None:
        return {}
    if isinstance(loaded, pl.LazyFrame):
        return {"": loaded}
    return dict(sorted(loaded.items()))  # type: ignore[union-attr]


def build_price_model(training_window_days: int) -> dg.AssetsDefinition:
    """The training asset for day D: gold feature sets of the `training_window_days` days before D."""

    @dg.asset(
        key=PRICE_MODEL_KEY,
        ins={
            "history": dg.AssetIn(
                key=FEATURES_KEY,
                partition_mapping=dg.TimeWindowPartitionMapping(
                    start_offset=-training_window_days, end_offset=-1
                ),
                metadata={"allow_missing_partitions": True},
                dagster_type=dg.Any,
            )
        },
        group_name="ml",
        partitions_def=daily_partitions,
        owners=[ML],
        kinds={"lightgbm", "mlflow"},
        check_specs=[
            dg.AssetCheckSpec(
                BEATS_BASELINE_CHECK,
                asset=PRICE_MODEL_KEY,
                blocking=True,
                description="Holdout RMSE beats the median price of the zip code.",
            )
        ],
    )
    def price_model(
        context: dg.AssetExecutionContext,
        config: PriceModelConfig,
        mlflow_registry: MlflowResource,
        history: object,
    ) -> dg.MaterializeResult:
        """LightGBM regressor of sale price on the trailing gold feature sets, registered in MLflow."""
        frames = _partition_frames(history)
        if len(frames) < 2:
            raise dg.Failure(
                description=(
                    f"ml/price_model [{context.partition_key}] needs gold/houses_with_parks for at "
                    f"least 2 of the {training_window_days} days before it and found "
                    f"{len(frames)}. Materialize those partitions first (a backfill)."
                ),
                allow_retries=False,
            )
        feature_sets = pl.concat(pl.collect_all(list(frames.values())))
        train, holdout = time_holdout_split(feature_sets, config.holdout_days)
        model = train_price_model(train, seed=config.seed)
        actual = holdout.get_column("price").to_numpy()
        metrics = regression_metrics(actual, predict_prices(model, holdout))
        baseline = regression_metrics(actual, zip_median_baseline(train, holdout))
        window = (feature_sets["sale_date"].min(), feature_sets["sale_date"].max())
        registered = _log_and_register(
            context, mlflow_registry, model, train, holdout, metrics, baseline, window, config
        )
        champion_rmse = _champion_rmse(mlflow_registry, holdout, actual)
        beats_baseline = metrics["rmse"] < baseline["rmse"]
        promoted = beats_baseline and (
            champion_rmse is None or metrics["rmse"] < champion_rmse * (1 - config.champion_margin)
        )
        alias = CHAMPION if promoted else CHALLENGER
        mlflow_registry.client().set_registered_model_alias(
            mlflow_registry.model_name, alias, registered.version
        )
        context.log.info(
            f"ml/price_model [{context.partition_key}]: version {registered.version} -> {alias}; "
            f"holdout RMSE {metrics['rmse']:,.0f} vs baseline {baseline['rmse']:,.0f}"
            + (f" vs champion {champion_rmse:,.0f}" if champion_rmse is not None else "")
        )
        importance = pl.DataFrame(
            {"feature": FEATURE_COLUMNS, "importance": model.booster_.feature_importance("gain")}
        ).sort("importance", descending=True)
        return dg.MaterializeResult(
            metadata={
                **{f"holdout_{name}": value for name, value in metrics.items()},
                **{f"baseline_{name}": value for name, value in baseline.items()},
                "champion_rmse_before": champion_rmse if champion_rmse is not None else float("nan"),
                "alias": alias,
                "model_uri": f"models:/{mlflow_registry.model_name}/{registered.version}",
                "model_version": int(registered.version),
                "mlflow_run_id": registered.run_id,
                "training_window": f"{window[0]} to {window[1]}",
                "train_rows": train.height,
                "holdout_rows": holdout.height,
                "feature_importance": dg.MetadataValue.md(markdown_table(importance, max_rows=40)),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=BEATS_BASELINE_CHECK,
                    passed=beats_baseline,
                    metadata={
                        "partition": context.partition_key,
                        "holdout_rmse": metrics["rmse"],
                        "baseline_rmse": baseline["rmse"],
                    },
                )
            ],
        )

    return price_model


def _log_and_register(context, registry, model, train, holdout, metrics, baseline, window, config):
    """Log the run (params, metrics, features, importance plot, model) and register a version."""
    import mlflow
    from mlflow.models import infer_signature

    experiment_id = registry.experiment_id()
    tags = {
        "dagster_run_id": context.run.run_id,
        "dagster_partition": context.partition_key,
        "training_window": f"{window[0]}..{window[1]}",
    }
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"price_model {context.partition_key}", tags=tags
    ):
        mlflow.log_params(
            {
                **LIGHTGBM_PARAMS,
                "seed": config.seed,
                "holdout_days": config.holdout_days,
                "train_rows": train.height,
                "holdout_rows": holdout.height,
                "window_start": str(window[0]),
                "window_end": str(window[1]),
            }
        )
        mlflow.log_metrics({f"holdout_{k}": v for k, v in metrics.items()})
        mlflow.log_metrics({f"baseline_{k}": v for k, v in baseline.items()})
        mlflow.log_dict({"features": FEATURE_COLUMNS}, "features.json")
        example = model_input(holdout.head(5))
        info = mlflow.lightgbm.log_model(
            model,
            name="model",
            signature=infer_signature(example, model.predict(example)),
            input_example=example,
            pip_requirements=_pip_requirements(),
            registered_model_name=registry.model_name,
        )
    return registry.client().get_model_version(registry.model_name, str(info.registered_model_version))


def _pip_requirements() -> list[str]:
    """The model's runtime requirements, stated so MLflow need not infer them in a subprocess."""
    from importlib.metadata import version

    return [f"{package}=={version(package)}" for package in ("lightgbm", "scikit-learn", "pandas", "numpy")]


def _champion_rmse(registry: MlflowResource, holdout: pl.DataFrame, actual: np.ndarray) -> float | None:
    """The current champion's RMSE on the same holdout, or None when there is no champion."""
    import mlflow

    champion = registry.alias_version(CHAMPION)
    if champion is None:
        return None
    model = mlflow.lightgbm.load_model(f"models:/{registry.model_name}/{champion.version}")
    return regression_metrics(actual, predict_prices(model, holdout))["rmse"]


@dg.asset(
    key=PREDICTIONS_KEY,
    ins={"features": dg.AssetIn(key=FEATURES_KEY)},
    deps=[PRICE_MODEL_KEY],
    group_name="ml",
    partitions_def=daily_partitions,
    owners=[ML],
    kinds={"lightgbm", "polars", "parquet"},
    metadata=model_metadata(PricePredictionsGold),
    check_specs=[
        schema_check_spec(PREDICTIONS_KEY, PricePredictionsGold),
        dg.AssetCheckSpec(
            ONE_PREDICTION_PER_HOUSE,
            asset=PREDICTIONS_KEY,
            blocking=True,
            description="Every house of the day's feature set has exactly one prediction.",
        ),
    ],
)
def price_predictions(
    context: dg.AssetExecutionContext, mlflow_registry: MlflowResource, features: pl.LazyFrame
):
    """The day's batch predictions from the champion model, with its version on every row, for audit."""
    import mlflow

    champion = mlflow_registry.alias_version(CHAMPION)
    if champion is None:
        raise dg.Failure(
            description=(
                f"gold/price_predictions [{context.partition_key}]: no version of model "
                f"{mlflow_registry.model_name!r} has the alias {CHAMPION!r} yet. "
                "Materialize ml/price_model first."
            )
        )
    model = mlflow.lightgbm.load_model(f"models:/{mlflow_registry.model_name}/{champion.version}")
    houses = features.collect()
    predictions = houses.select("id", "sale_date", "zipcode", "price").with_columns(
        predicted_price=pl.Series(predict_prices(model, houses), dtype=pl.Float64),
        model_name=pl.lit(mlflow_registry.model_name),
        model_version=pl.lit(str(champion.version)),
        model_run_id=pl.lit(champion.run_id),
        predicted_at=pl.lit(dt.datetime.now(dt.UTC)).dt.cast_time_unit("us"),
    )
    context.log.info(
        f"gold/price_predictions [{partition_day(context)}]: {predictions.height} houses scored by "
        f"version {champion.version}"
    )
    yield from publish_checked(
        context,
        [
            CheckedOutput(
                PREDICTIONS_KEY,
                predictions,
                PricePredictionsGold,
                metadata={"model_version": str(champion.version), "model_run_id": champion.run_id},
                checks=[
                    rows_check(
                        ONE_PREDICTION_PER_HOUSE,
                        PREDICTIONS_KEY,
                        context.partition_key,
                        mismatched_ids(
                            houses, predictions, ("gold/houses_with_parks", "gold/price_predictions")
                        ),
                        "house ids do not have exactly one prediction",
                    )
                ],
            )
        ],
    )
