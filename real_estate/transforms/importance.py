"""Feature importance as a table and a bar chart, for the UI and for MLflow."""

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR_WIDTH = 30


def importance_table(features: list[str], gains: list[float]) -> pl.DataFrame:
    """Features by total split gain, with their share and a text bar the UI renders in markdown."""
    table = pl.DataFrame({"feature": features, "gain": gains}).sort("gain", descending=True)
    total = table["gain"].sum() or 1.0
    return table.with_columns(share=(pl.col("gain") / total).round(4)).with_columns(
        bar=pl.lit("█")
        .repeat_by((pl.col("share") / pl.col("share").max() * BAR_WIDTH).round().cast(pl.Int64))
        .list.join("")
    )


def importance_figure(table: pl.DataFrame) -> "Figure":
    """A horizontal bar chart of the features' share of gain."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 0.28 * table.height + 1))
    axes = figure.subplots()
    ordered = table.reverse()
    axes.barh(ordered["feature"].to_list(), ordered["share"].to_list())
    axes.set_xlabel("share of total split gain")
    axes.set_title("Feature importance")
    figure.tight_layout()
    return figure
