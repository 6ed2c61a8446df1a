"""The model page: metrics as a small labelled table, and charts small enough to embed in metadata."""

import base64
import io
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

METRIC_LABELS = {"rmse": "RMSE", "mae": "MAE", "mape": "MAPE", "r2": "R²"}
EMBEDDED_DPI = 60


def format_metric(name: str, value: float) -> str:
    """A metric as a person reads it: dollars for RMSE and MAE, percent for MAPE, R² to 3 places."""
    if name in ("rmse", "mae"):
        return f"${value:,.0f}"
    if name == "mape":
        return f"{value:.1%}"
    return f"{value:.3f}"


def metrics_table(columns: dict[str, dict[str, float] | None]) -> str:
    """One markdown table: a row per metric, a column per model (a column of None shows as —)."""
    header = ["metric", *columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, label in METRIC_LABELS.items():
        cells = [format_metric(name, m[name]) if m and name in m else "—" for m in columns.values()]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)


def predicted_vs_actual_figure(actual: np.ndarray, predicted: np.ndarray) -> "Figure":
    """Predicted against actual sale price on the holdout, with the line of perfect predictions."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 4.5))
    axes = figure.subplots()
    axes.scatter(actual / 1e3, predicted / 1e3, s=6, alpha=0.5)
    low, high = (
        float(min(actual.min(), predicted.min())) / 1e3,
        float(max(actual.max(), predicted.max())) / 1e3,
    )
    axes.plot([low, high], [low, high], color="black", linewidth=0.8)
    axes.set_xlabel("actual price (k$)")
    axes.set_ylabel("predicted price (k$)")
    axes.set_title(f"Holdout: predicted vs actual ({len(actual)} sales)")
    figure.tight_layout()
    return figure


def png_data_uri(figure: "Figure") -> str:
    """The figure as a small PNG in a `data:` URI, which the UI's markdown renders inline."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=EMBEDDED_DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def embedded_image(title: str, figure: "Figure") -> str:
    """Markdown showing the figure inline under a title."""
    return f"**{title}**\n\n![{title}]({png_data_uri(figure)})"
