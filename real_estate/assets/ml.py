"""ML: a LightGBM price model trained on the trailing gold feature sets, versioned in MLflow."""

import dagster as dg
import polars as pl

from real_estate.assets.common import ML
from real_estate.metadata import markdown_table
from real_estate.partitions import daily_partitions
from real_estate.resources.mlflow import (
    CHALLENGER,
    CHAMPION,
    FEATURE_PROFILE_ARTIFACT,
    MlflowResource,
    TrainingRun,
)
from real_estate.transforms.drift import feature_profile
from real_estate.transforms.importance import importance_figure, importance_table
from real_estate.transforms.training import (
    FEATURE_COLUMNS,
    LIGHTGBM_PARAMS,
    NUMERIC_FEATURE_COLUMNS,
    model_input,
    predict_prices,
    regression_metrics,
    time_holdout_split,
    train_price_model,
    zip_median_baseline,
)

PRICE_MODEL_KEY = dg.AssetKey(["ml", "price_model"])
FEATURES_KEY = dg.AssetKey(["gold", "houses_with_parks"])
BEATS_BASELINE_CHECK = "beats_zip_median_baseline"


class PriceModelConfig(dg.Config):
    """Training knobs; the defaults are what the schedule runs."""

    holdout_days: int = 7
    baseline_margin: float = 0.0
    champion_margin: float = 0.0
    seed: int = 42
    n_estimators: int = LIGHTGBM_PARAMS["n_estimators"]
    learning_rate: float = LIGHTGBM_PARAMS["learning_rate"]


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
                description="Holdout RMSE beats the zip code's median price (by the configured margin).",
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
        unavailable = mlflow_registry.unavailable_reason()
        if unavailable:
            raise dg.Failure(
                description=(
                    f"ml/price_model [{context.partition_key}]: {unavailable}. Nothing was trained, "
                    "logged or registered; the champion alias is unchanged, so predictions keep "
                    "using the current champion."
                )
            )
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
        model = train_price_model(
            train, seed=config.seed, n_estimators=config.n_estimators, learning_rate=config.learning_rate
        )
        actual = holdout.get_column("price").to_numpy()
        metrics = regression_metrics(actual, predict_prices(model, holdout))
        baseline = regression_metrics(actual, zip_median_baseline(train, holdout))
        importance = importance_table(FEATURE_COLUMNS, model.booster_.feature_importance("gain").tolist())
        window = f"{feature_sets['sale_date'].min()}..{feature_sets['sale_date'].max()}"

        champion = mlflow_registry.alias_version(CHAMPION)
        champion_rmse = (
            regression_metrics(actual, predict_prices(mlflow_registry.load_model(champion.version), holdout))[
                "rmse"
            ]
            if champion is not None
            else None
        )
        registered = mlflow_registry.log_and_register(
            TrainingRun(
                run_name=f"price_model {context.partition_key}",
                tags={
                    "dagster_run_id": context.run.run_id,
                    "dagster_partition": context.partition_key,
                    "training_window": window,
                },
                params={
                    **LIGHTGBM_PARAMS,
                    **config.model_dump(),
                    "train_rows": train.height,
                    "holdout_rows": holdout.height,
                    "training_window": window,
                },
                metrics={
                    **{f"holdout_{k}": v for k, v in metrics.items()},
                    **{f"baseline_{k}": v for k, v in baseline.items()},
                },
                dicts={
                    "features.json": {"features": FEATURE_COLUMNS},
                    FEATURE_PROFILE_ARTIFACT: feature_profile(feature_sets, NUMERIC_FEATURE_COLUMNS),
                },
                figures={"feature_importance.png": importance_figure(importance)},
                model=model,
                input_example=model_input(holdout.head(5)),
            )
        )
        beats_baseline = metrics["rmse"] < baseline["rmse"] * (1 - config.baseline_margin)
        promoted = beats_baseline and (
            champion_rmse is None or metrics["rmse"] < champion_rmse * (1 - config.champion_margin)
        )
        alias = CHAMPION if promoted else CHALLENGER
        mlflow_registry.set_alias(alias, registered.version)
        comparison = f"holdout RMSE {metrics['rmse']:,.0f} vs zip-median baseline {baseline['rmse']:,.0f}" + (
            f" vs champion v{champion.version} {champion_rmse:,.0f}"
            if champion is not None
            else " (no champion yet)"
        )
        context.log.info(
            f"ml/price_model [{context.partition_key}]: version {registered.version} -> {alias}; {comparison}"
        )
        experiment_id = mlflow_registry.experiment_id()
        return dg.MaterializeResult(
            metadata={
                **{f"holdout_{name}": value for name, value in metrics.items()},
                **{f"baseline_{name}": value for name, value in baseline.items()},
                "previous_champion_version": champion.version if champion is not None else "none",
                "previous_champion_rmse": champion_rmse if champion_rmse is not None else float("nan"),
                "comparison": comparison,
                "alias": alias,
                "model_uri": f"models:/{mlflow_registry.model_name}/{registered.version}",
                "model_version": int(registered.version),
                "mlflow_run": mlflow_registry.run_link(experiment_id, registered.run_id),
                "training_window": window,
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
                        "model_version": int(registered.version),
                    },
                    description=None if beats_baseline else f"version {registered.version}: {comparison}",
                )
            ],
        )

    return price_model
