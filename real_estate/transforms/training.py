"""Pure model-training functions: time-based split, LightGBM fit, zip-median baseline, metrics.

The frames are polars; they become pandas only at LightGBM's door, where pandas categoricals
let the model remember the zip-code categories it was trained with.
"""

import math
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from real_estate.contracts.house_sales import CATEGORICAL_FEATURES, HOUSE_FEATURES, TARGET
from real_estate.contracts.park_features import PARK_FEATURE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from lightgbm import LGBMRegressor

FEATURE_COLUMNS = [*HOUSE_FEATURES, *PARK_FEATURE_COLUMNS]
CATEGORICAL_COLUMNS = list(CATEGORICAL_FEATURES)
NUMERIC_FEATURE_COLUMNS = [column for column in FEATURE_COLUMNS if column not in CATEGORICAL_COLUMNS]
ZIP_CODE_BASE = 98_000

LIGHTGBM_PARAMS = {
    "objective": "regression",
    "n_estimators": 400,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "n_jobs": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}


def time_holdout_split(feature_sets: pl.DataFrame, holdout_days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Train on the earlier days, hold out the latest `holdout_days` days: the future never leaks."""
    days = feature_sets.get_column("sale_date").unique().sort()
    if len(days) < 2:
        raise ValueError(f"need at least 2 days of feature sets to hold one out, got {len(days)}")
    holdout_days = max(1, min(holdout_days, len(days) - 1))
    first_holdout_day = days[len(days) - holdout_days]
    is_holdout = pl.col("sale_date") >= first_holdout_day
    return feature_sets.filter(~is_holdout), feature_sets.filter(is_holdout)


def model_input(feature_sets: pl.DataFrame) -> "pd.DataFrame":
    """The feature columns as LightGBM takes them: all float, the zip code as a small category index.

    King County zip codes are 98001-98199, so `zipcode - 98000` is a compact categorical value
    that survives MLflow's JSON serving format unchanged (pandas categories would not).
    """
    return (
        feature_sets.select(FEATURE_COLUMNS)
        .with_columns(pl.col("zipcode").cast(pl.Int64) - ZIP_CODE_BASE)
        .cast(pl.Float64)
        .to_pandas()
    )


def train_price_model(
    train: pl.DataFrame,
    seed: int = 42,
    n_estimators: int = LIGHTGBM_PARAMS["n_estimators"],
    learning_rate: float = LIGHTGBM_PARAMS["learning_rate"],
) -> "LGBMRegressor":
    """A LightGBM regressor of log sale price, seeded and deterministic."""
    from lightgbm import LGBMRegressor

    params = LIGHTGBM_PARAMS | {"n_estimators": n_estimators, "learning_rate": learning_rate}
    model = LGBMRegressor(random_state=seed, **params)
    model.fit(
        model_input(train),
        np.log(train.get_column(TARGET).to_numpy()),
        categorical_feature=CATEGORICAL_COLUMNS,
    )
    return model


def predict_prices(model: "LGBMRegressor", feature_sets: pl.DataFrame) -> np.ndarray:
    """Predicted sale prices (USD) for each row (none for no rows: a day whose every sale was rejected)."""
    if feature_sets.is_empty():
        return np.empty(0)
    return np.exp(model.predict(model_input(feature_sets)))


def zip_median_baseline(train: pl.DataFrame, holdout: pl.DataFrame) -> np.ndarray:
    """The naive model to beat: the training median price of the house's zip code (else overall)."""
    overall = train.get_column(TARGET).median()
    medians = train.group_by("zipcode").agg(baseline=pl.col(TARGET).median())
    return (
        holdout.select("zipcode")
        .join(medians, on="zipcode", how="left", maintain_order="left")
        .get_column("baseline")
        .fill_null(overall)
        .to_numpy()
    )


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE, MAE, MAPE and R² of predicted against actual prices."""
    errors = predicted - actual
    total = float(np.sum((actual - actual.mean()) ** 2))
    return {
        "rmse": float(math.sqrt(np.mean(errors**2))),
        "mae": float(np.mean(np.abs(errors))),
        "mape": float(np.mean(np.abs(errors) / actual)),
        "r2": 1.0 - float(np.sum(errors**2)) / total if total > 0 else 0.0,
    }
