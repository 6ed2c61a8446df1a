"""What the model's page in the UI shows: labelled metrics, one comparison table, two charts."""

from dataclasses import dataclass

import dagster as dg
import numpy as np
import polars as pl

from real_estate.transforms.importance import importance_figure
from real_estate.transforms.model_report import (
    embedded_image,
    format_metric,
    metrics_table,
    predicted_vs_actual_figure,
)
from real_estate.transforms.promotion import HoldoutSize

PAGE_FEATURES = 15  # the chart in the UI; MLflow keeps the one of every feature


@dataclass(frozen=True)
class ModelEvaluation:
    """A trained version measured on its holdout, beside the zip-median baseline."""

    actual: np.ndarray
    predicted: np.ndarray
    metrics: dict[str, float]
    baseline: dict[str, float]
    importance: pl.DataFrame
    holdout_size: HoldoutSize
    train_rows: int
    training_seconds: float

    def summary(self) -> str:
        """One line for logs and check descriptions."""
        shown = ", ".join(
            f"{name.upper()} {format_metric(name, self.metrics[name])}" for name in ("rmse", "mape")
        )
        return f"{shown} vs zip-median baseline RMSE {format_metric('rmse', self.baseline['rmse'])}"


def numeric_metrics(prefix: str, metrics: dict[str, float]) -> dict[str, dg.MetadataValue]:
    """Metrics as rounded numbers whose names carry the unit, so the Plots tab charts them."""
    return {
        f"{prefix}_rmse_usd": dg.MetadataValue.float(float(round(metrics["rmse"]))),
        f"{prefix}_mae_usd": dg.MetadataValue.float(float(round(metrics["mae"]))),
        f"{prefix}_mape_pct": dg.MetadataValue.float(round(100 * metrics["mape"], 2)),
        f"{prefix}_r2": dg.MetadataValue.float(round(metrics["r2"], 3)),
    }


def model_page(
    evaluation: ModelEvaluation, champion_version: int | None, champion_metrics: dict[str, float] | None
) -> dict[str, dg.MetadataValue]:
    """The metadata entries of a model materialization, beyond its identity and data."""
    champion_column = f"champion v{champion_version}" if champion_version is not None else "champion (none)"
    return {
        **numeric_metrics("holdout", evaluation.metrics),
        "baseline_rmse_usd": dg.MetadataValue.float(float(round(evaluation.baseline["rmse"]))),
        "train_rows": dg.MetadataValue.int(evaluation.train_rows),
        "holdout_rows": dg.MetadataValue.int(evaluation.holdout_size.rows),
        "holdout_days": dg.MetadataValue.int(evaluation.holdout_size.days),
        "training_seconds": dg.MetadataValue.float(round(evaluation.training_seconds, 2)),
        "comparison": dg.MetadataValue.md(
            metrics_table(
                {
                    "this version": evaluation.metrics,
                    "zip-median baseline": evaluation.baseline,
                    champion_column: champion_metrics,
                }
            )
        ),
        "feature_importance": dg.MetadataValue.md(
            embedded_image(
                f"Feature importance, top {PAGE_FEATURES} (share of split gain)",
                importance_figure(evaluation.importance.head(PAGE_FEATURES)),
            )
        ),
        "predicted_vs_actual": dg.MetadataValue.md(
            embedded_image(
                "Predicted vs actual on the holdout",
                predicted_vs_actual_figure(evaluation.actual, evaluation.predicted),
            )
        ),
    }
