"""ML: one LightGBM price model, trained on a window of gold days and versioned in MLflow.

The model is not partitioned: each materialization is a new version, trained on the
`REAL_ESTATE_TRAINING_WINDOW_DAYS` days of gold up to `as_of`. Promotion is a compare-and-set:
the asset's concurrency pool lets one training run decide at a time, and the champion is read
again right before the alias moves.
"""

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg
import polars as pl
from pydantic import Field

from real_estate.assets.common import ML
from real_estate.assets.gold import HOUSES_WITH_PARKS_KEY
from real_estate.assets.model_page import ModelEvaluation, model_page
from real_estate.assets.training_data import TrainingData, read_training_data
from real_estate.resources.lake import PolarsParquetIOManager
from real_estate.resources.mlflow import (
    CHALLENGER,
    CHAMPION,
    FEATURE_PROFILE_ARTIFACT,
    MlflowResource,
    TrainingRun,
)
from real_estate.transforms.drift import feature_profile
from real_estate.transforms.importance import importance_figure, importance_table
from real_estate.transforms.model_report import predicted_vs_actual_figure
from real_estate.transforms.promotion import (
    Champion,
    HoldoutSize,
    PromotionRule,
    Verdict,
    baseline_check_description,
    beats_baseline,
    decide_against_champion,
)
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

if TYPE_CHECKING:
    from lightgbm import LGBMRegressor
    from mlflow.entities.model_registry import ModelVersion

PRICE_MODEL_KEY = dg.AssetKey(["ml", "price_model"])
BEATS_BASELINE_CHECK = "beats_zip_median_baseline"
PROMOTION_POOL = "ml_price_model"
TRAINING_DATA_ARTIFACT = "training_data.json"


class PriceModelConfig(dg.Config):
    """Training knobs; the defaults are what the schedule runs."""

    as_of: str | None = Field(
        default=None,
        description="Last day of the training window, YYYY-MM-DD; default: the latest day with gold.",
    )
    holdout_days: int = 7
    baseline_margin: float = 0.0
    champion_margin: float = 0.0
    seed: int = 42
    n_estimators: int = LIGHTGBM_PARAMS["n_estimators"]
    learning_rate: float = LIGHTGBM_PARAMS["learning_rate"]


def training_run(
    run_id: str,
    config: PriceModelConfig,
    data: TrainingData,
    evaluation: ModelEvaluation,
    model: "LGBMRegressor",
    holdout: pl.DataFrame,
) -> TrainingRun:
    """What MLflow keeps of a training: params, metrics, data tags, artifacts and the model."""
    return TrainingRun(
        run_name=f"price_model as_of {data.as_of}",
        tags={"dagster_run_id": run_id, **data.tags()},
        params={
            **LIGHTGBM_PARAMS,
            **config.model_dump(),
            "as_of": data.as_of.isoformat(),  # the day resolved, so the params are the run config to reuse
            "train_rows": evaluation.train_rows,
            "holdout_rows": evaluation.holdout_size.rows,
            "training_window": data.window,
        },
        metrics={
            **{f"holdout_{k}": v for k, v in evaluation.metrics.items()},
            **{f"baseline_{k}": v for k, v in evaluation.baseline.items()},
            "training_seconds": evaluation.training_seconds,
        },
        dicts={
            "features.json": {"features": FEATURE_COLUMNS},
            FEATURE_PROFILE_ARTIFACT: feature_profile(data.feature_sets, NUMERIC_FEATURE_COLUMNS),
            TRAINING_DATA_ARTIFACT: {"as_of": data.as_of.isoformat(), "gold_sha256": data.versions},
        },
        figures={
            "feature_importance.png": importance_figure(evaluation.importance),
            "predicted_vs_actual.png": predicted_vs_actual_figure(evaluation.actual, evaluation.predicted),
        },
        model=model,
        input_example=model_input(holdout.head(5)),
    )


def refuse_unpromotable_holdout(holdout_days: int, min_holdout: HoldoutSize) -> None:
    """Fail before training when the configured holdout is shorter than promotion requires."""
    if holdout_days < min_holdout.days:
        raise dg.Failure(
            description=(
                f"ml/price_model: run config holdout_days={holdout_days} is below "
                f"REAL_ESTATE_MIN_HOLDOUT_DAYS={min_holdout.days}, so the version could never be "
                f"promoted. Nothing was trained; set holdout_days to {min_holdout.days} or more."
            ),
            allow_retries=False,
        )


def require_mlflow(registry: MlflowResource) -> None:
    """Fail before training when the MLflow store does not answer."""
    unavailable = registry.unavailable_reason()
    if unavailable:
        raise dg.Failure(
            description=(
                f"ml/price_model: {unavailable}. Nothing was trained, logged or registered; the "
                "champion alias is unchanged, so predictions keep using the current champion."
            )
        )


@dataclass(frozen=True)
class Trained:
    """A new model, the split it was trained and measured on, and its evaluation."""

    model: "LGBMRegressor"
    holdout: pl.DataFrame
    evaluation: ModelEvaluation


def train_and_evaluate(data: TrainingData, config: PriceModelConfig) -> Trained:
    """Train on the window's older days and measure on its last `holdout_days`, beside the baseline."""
    train, holdout = time_holdout_split(data.feature_sets, config.holdout_days)
    started = time.perf_counter()
    model = train_price_model(
        train, seed=config.seed, n_estimators=config.n_estimators, learning_rate=config.learning_rate
    )
    training_seconds = time.perf_counter() - started
    actual = holdout.get_column("price").to_numpy()
    predicted = predict_prices(model, holdout)
    evaluation = ModelEvaluation(
        actual=actual,
        predicted=predicted,
        metrics=regression_metrics(actual, predicted),
        baseline=regression_metrics(actual, zip_median_baseline(train, holdout)),
        importance=importance_table(FEATURE_COLUMNS, model.booster_.feature_importance("gain").tolist()),
        holdout_size=HoldoutSize(holdout.height, holdout.get_column("sale_date").n_unique()),
        train_rows=train.height,
        training_seconds=training_seconds,
    )
    return Trained(model, holdout, evaluation)


def alias_for(verdict: Verdict) -> str:
    return CHAMPION if verdict.decision.promote else CHALLENGER


def read_champion(registry: MlflowResource) -> Champion | None:
    """The version holding the champion alias, with its window's last day (its run's `as_of` tag)."""
    version = registry.alias_version(CHAMPION)
    if version is None:
        return None
    tag = registry.run_tag(version.run_id, "as_of")
    return Champion(int(version.version), dt.date.fromisoformat(tag) if tag else None)


def promote(
    registry: MlflowResource, rule: PromotionRule, trained: Trained, as_of: dt.date, version: int
) -> Verdict:
    """Decide against the current champion, then give `version` the champion or challenger alias."""

    def score(champion: Champion) -> dict[str, float]:
        model = registry.load_model(champion.version)
        return regression_metrics(trained.evaluation.actual, predict_prices(model, trained.holdout))

    evaluation = trained.evaluation
    # The pool lets one training run at a time get here: read, compare and move as one step.
    verdict = decide_against_champion(
        rule,
        evaluation.holdout_size,
        evaluation.metrics,
        evaluation.baseline,
        as_of,
        read_champion=lambda: read_champion(registry),
        score_champion=score,
    )
    registry.set_alias(alias_for(verdict), version)
    registry.set_version_tag(version, "promotion", verdict.decision.reason)
    return verdict


def model_result(
    registry: MlflowResource,
    config: PriceModelConfig,
    data: TrainingData,
    evaluation: ModelEvaluation,
    registered: "ModelVersion",
    verdict: Verdict,
) -> dg.MaterializeResult:
    """The model's page in the UI (identity, data, metrics, charts) and its baseline check."""
    version = int(registered.version)
    champion_version = verdict.champion.version if verdict.champion is not None else None
    passed = beats_baseline(evaluation.metrics["rmse"], evaluation.baseline["rmse"], config.baseline_margin)
    return dg.MaterializeResult(
        metadata={
            "alias": alias_for(verdict),
            "promotion": verdict.decision.reason,
            "model_version": version,
            "model_uri": f"models:/{registry.model_name}/{version}",
            "mlflow_run": registry.run_link(registry.experiment_id(), registered.run_id),
            **({"previous_champion_version": champion_version} if champion_version is not None else {}),
            "as_of": data.as_of.isoformat(),
            "window_days": data.window_days,
            "training_window": data.window,
            "training_days": len(data.versions),
            "gold_sha256": dg.MetadataValue.json(data.versions),
            **model_page(evaluation, champion_version, verdict.champion_metrics),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=BEATS_BASELINE_CHECK,
                passed=passed,
                metadata={
                    "as_of": data.as_of.isoformat(),
                    "holdout_rmse": evaluation.metrics["rmse"],
                    "baseline_rmse": evaluation.baseline["rmse"],
                    "model_version": version,
                },
                description=baseline_check_description(
                    version, evaluation.metrics["rmse"], evaluation.baseline["rmse"], config.baseline_margin
                ),
            )
        ],
    )


def build_price_model(training_window_days: int, min_holdout: HoldoutSize) -> dg.AssetsDefinition:
    """The training asset: a new model version from the gold window up to `as_of`."""

    @dg.asset(
        key=PRICE_MODEL_KEY,
        deps=[HOUSES_WITH_PARKS_KEY],
        group_name="ml",
        owners=[ML],
        kinds={"lightgbm", "mlflow"},
        pool=PROMOTION_POOL,
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
        io_manager: dg.ResourceParam[PolarsParquetIOManager],
    ) -> dg.MaterializeResult:
        """LightGBM regressor of sale price on a window of gold days, registered in MLflow."""
        refuse_unpromotable_holdout(config.holdout_days, min_holdout)
        require_mlflow(mlflow_registry)
        data = read_training_data(io_manager, config.as_of, training_window_days)
        trained = train_and_evaluate(data, config)
        evaluation = trained.evaluation
        registered = mlflow_registry.log_and_register(
            training_run(context.run.run_id, config, data, evaluation, trained.model, trained.holdout)
        )
        rule = PromotionRule(min_holdout, config.baseline_margin, config.champion_margin)
        verdict = promote(mlflow_registry, rule, trained, data.as_of, int(registered.version))
        context.log.info(
            f"ml/price_model as_of {data.as_of}: version {registered.version} -> {alias_for(verdict)} "
            f"({verdict.decision.reason}); "
            f"trained on {evaluation.train_rows} rows in {evaluation.training_seconds:.1f} s; "
            f"holdout {evaluation.summary()}"
        )
        return model_result(mlflow_registry, config, data, evaluation, registered, verdict)

    return price_model
