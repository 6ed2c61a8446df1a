"""Scorings: one model version's predictions for one day's houses, named by what they said."""

import hashlib

import polars as pl

SCORING_COLUMN = "scoring"


def scoring_id(predictions: pl.DataFrame) -> str:
    """The same model version on the same houses gives the same id; anything else, another one."""
    said = predictions.select("id", "model_version", "predicted_price").sort("id").write_csv()
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def with_scoring_id(predictions: pl.DataFrame) -> pl.DataFrame:
    """The predictions with their scoring's id on every row."""
    return predictions.with_columns(pl.lit(scoring_id(predictions)).alias(SCORING_COLUMN))
